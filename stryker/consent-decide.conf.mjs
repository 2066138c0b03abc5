import { groupConfig } from './group.mjs';

// agreement-rules.ts and fhir-time.ts are mutated in agreement-rules.conf.mjs, decision-store.ts
// in decision-store.conf.mjs.
export default groupConfig('consent-decide', {
  mutate: ['src/consent/decide.ts'],
  // decide.property.test.ts is left out: its fast-check runs cover every mutant and take seconds
  // each; the rules it samples are stated by the named tests below.
  tests: [
    'test/consent/decide.test.ts',
    'test/consent/decide-choice.test.ts',
    'test/consent/dataset-minimum.test.ts',
    'test/consent/agreement-rules.test.ts',
    'test/consent/consent-period.test.ts',
    'test/consent/consent-scope.test.ts',
    'test/consent/confidentiality.test.ts',
    'test/consent/r4-examples.test.ts',
  ],
});
