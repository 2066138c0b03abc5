import { groupConfig } from './group.mjs';

// Minimisation at send time: the consents a dataset rests on must still allow it (see
// mapping-person.conf.mjs for why each minimisation file is a group of its own).
export default groupConfig('send-checks', {
  mutate: ['src/delivery/send-checks.ts'],
  tests: ['test/delivery/send-checks.test.ts'],
});
