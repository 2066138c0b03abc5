import { groupConfig } from './group.mjs';

// Minimisation, the stay, the need and the professionals (see mapping-person.conf.mjs for why
// each minimisation file is a group of its own).
export default groupConfig('mapping-care', {
  mutate: ['src/mapping/care-fields.ts'],
  tests: ['test/mapping/care-fields.test.ts'],
});
