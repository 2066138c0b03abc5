import { groupConfig } from './group.mjs';

// Which agreement version is in force (a draft never; the first and last effective days
// included, on London's date) and the FHIR dates consent periods are read with. Apart from
// decide.ts (consent-decide.conf.mjs) so that their static mutants re-run only these tests.
export default groupConfig('agreement-rules', {
  mutate: ['src/consent/agreement-rules.ts', 'src/consent/fhir-time.ts'],
  tests: ['test/consent/agreement-rules.test.ts', 'test/consent/consent-period.test.ts'],
});
