import { groupConfig } from './group.mjs';

// data-classes.ts and disclosure-facts.ts (mostly tables) are mutated in consent-data-classes.conf.mjs.
export default groupConfig('consent-evaluation', {
  mutate: ['src/consent/consent-evaluation.ts', 'src/consent/data-scope.ts', 'src/consent/consent-memory.ts'],
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
