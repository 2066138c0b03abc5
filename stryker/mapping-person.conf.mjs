import { groupConfig } from './group.mjs';

// Minimisation, the person: each field read from just the FHIR elements it needs (ended names,
// phone numbers and addresses dropped). The minimisation files are one group each with their own
// unit tests: a static mutant re-runs every test file of its group, so small groups keep a run
// within minutes. Narrower tests can only lower a score, never raise it. The golden snapshots
// (test/mapping/golden.test.ts) and the pipeline suites reach these files too.
export default groupConfig('mapping-person', {
  mutate: ['src/mapping/person-fields.ts'],
  tests: ['test/mapping/person-fields.test.ts'],
});
