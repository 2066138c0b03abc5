import { groupConfig } from './group.mjs';

// verify-worker.ts and verify-thread.ts are not mutated: Node starts a worker thread only from the
// compiled dist/, so no test run from the sources can load the one or start the other. Neither
// holds a check of its own: the worker opens a read-only connection and passes messages to
// rangeChecker (verify-range.ts), and verify-thread.ts finds and starts it; what decides a verdict
// is mutated here and tested from the sources with in-thread workers
// (test/audit/verify-workers.test.ts). The threads themselves are tested through dist/ by
// test/audit/verify-parallel.test.ts.
export default groupConfig('audit', {
  mutate: [
    'src/audit/verify.ts',
    'src/audit/verify-parallel.ts',
    'src/audit/verify-range.ts',
    'src/audit/canonical.ts',
  ],
  tests: [
    'test/audit/canonical.test.ts',
    'test/audit/tamper.test.ts',
    'test/audit/verify-workers.test.ts',
    'test/audit/audit-log.test.ts',
    'test/audit/checkpoint.test.ts',
  ],
});
