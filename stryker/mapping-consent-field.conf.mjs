import { groupConfig } from './group.mjs';

// Minimisation, the consent field of a dataset (see mapping-person.conf.mjs for why each
// minimisation file is a group of its own).
export default groupConfig('mapping-consent-field', {
  mutate: ['src/mapping/consent-field.ts'],
  tests: ['test/mapping/consent-field.test.ts'],
});
