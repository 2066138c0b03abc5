import { groupConfig } from './group.mjs';

// How a decision is stored and read back for the send-time checks. Apart from decide.ts
// (consent-decide.conf.mjs) so that its static mutants re-run only its own tests.
export default groupConfig('decision-store', {
  mutate: ['src/consent/decision-store.ts'],
  tests: ['test/consent/decision-store.test.ts'],
});
