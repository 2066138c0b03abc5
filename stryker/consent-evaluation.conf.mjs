import { groupConfig } from './group.mjs';

export default groupConfig('consent-evaluation', {
  mutate: [
    'src/consent/consent-evaluation.ts',
    'src/consent/data-scope.ts',
    'src/consent/disclosure-facts.ts',
    'src/consent/data-classes.ts',
    'src/consent/consent-memory.ts',
  ],
  tests: [
    'test/consent/confidentiality.test.ts',
    'test/consent/consent-evaluation.test.ts',
    'test/consent/consent-memory.test.ts',
    'test/consent/consent-period.test.ts',
    'test/consent/consent-scope.test.ts',
    'test/consent/data-classes.test.ts',
    'test/consent/data-scope.test.ts',
    'test/consent/decide.property.test.ts',
    'test/consent/decide.test.ts',
    'test/consent/disclosure-facts.test.ts',
    'test/consent/r4-examples.test.ts',
  ],
});
