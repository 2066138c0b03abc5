import { groupConfig } from './group.mjs';

// Minimisation: the dataset is built from the permitted fields only, each read from just the FHIR
// elements it needs and checked against its schema; at send time the consents it rests on must
// still allow it. The golden snapshots (test/mapping/golden.test.ts) and the pipeline suites
// (test/pipeline/) reach these files too, through intake and the store; the rules are stated here
// by the readers' own tests, which a mutant run can afford. The dataset schemas are a group of
// their own (dataset-schemas.conf.mjs): the tests here compile them when loaded, which makes every
// mutant of dataset-schemas.ts a static one that would re-run all of these files.
export default groupConfig('minimisation', {
  mutate: [
    'src/mapping/person-fields.ts',
    'src/mapping/build-dataset.ts',
    'src/mapping/care-fields.ts',
    'src/mapping/consent-field.ts',
    'src/delivery/send-checks.ts',
  ],
  tests: [
    'test/mapping/person-fields.test.ts',
    'test/mapping/care-fields.test.ts',
    'test/mapping/consent-field.test.ts',
    'test/mapping/build-dataset.test.ts',
    'test/mapping/fhir-referral.test.ts',
    'test/delivery/send-checks.test.ts',
  ],
});
