import { groupConfig } from './group.mjs';

// The dataset JSON Schemas: compiled strictly, every problem reported by where it is. A group of
// its own because every test file that uses them compiles them when it loads, so each mutant here
// is a static one: it re-runs every test file of its group, and this group has just the one.
export default groupConfig('dataset-schemas', {
  mutate: ['src/mapping/dataset-schemas.ts'],
  tests: ['test/mapping/dataset-schemas.test.ts'],
});
