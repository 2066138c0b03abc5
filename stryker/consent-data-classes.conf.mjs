import { groupConfig } from './group.mjs';

// The data-class tables (which fields a data class or a v3 sensitivity code names) and the facts
// read from each record of the message (which fields a record type can feed, who wrote it, when).
// Most mutants here are in module-level tables, so static: each re-runs every test file of its
// group. They are a group of their own with the unit tests that state each table entry; the
// decide() suites reach them too (consent-evaluation.conf.mjs), but would cost minutes a mutant.
export default groupConfig('consent-data-classes', {
  mutate: ['src/consent/data-classes.ts', 'src/consent/disclosure-facts.ts'],
  tests: [
    'test/consent/data-classes.test.ts',
    'test/consent/disclosure-facts.test.ts',
    'test/consent/data-scope.test.ts',
  ],
});
