import { groupConfig } from './group.mjs';

// Minimisation: the dataset is built from the permitted fields only and checked against its
// schema (see mapping-person.conf.mjs for why each minimisation file is a group of its own).
export default groupConfig('build-dataset', {
  mutate: ['src/mapping/build-dataset.ts'],
  tests: ['test/mapping/build-dataset.test.ts', 'test/mapping/fhir-referral.test.ts'],
});
