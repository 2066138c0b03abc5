import type { RunnerTask, RunnerTestCase, RunnerTestFile } from 'vitest';
import { defineConfig } from 'vitest/config';
import type { Reporter } from 'vitest/node';

// The unit tests of one mutation group: stryker/group.mjs puts them in STRYKER_TESTS.
// The integration suites (child processes, HTTP servers, PostgreSQL) stay out: a mutant is
// judged by the fast tests that state the rule, which is what issue 18 asks to pin.
const tests = (process.env.STRYKER_TESTS ?? '').split(',').filter(Boolean);
if (tests.length === 0) throw new Error('STRYKER_TESTS is empty: run a stryker/<group>.conf.mjs');

const hasTest = (t: RunnerTask): boolean =>
  t.type === 'test' || (t.type === 'suite' && t.tasks.some(hasTest));

/**
 * A test file that fails to load (a static mutant that makes a module throw when imported, or
 * makes a test file's top-level setup throw) has no tests, and Stryker's vitest runner reads "no
 * test failed" as Survived. Under plain vitest such a file fails the suite, so here it becomes one
 * failed test named for the file: the mutant counts as killed by that file.
 */
class FileLoadFailures implements Reporter {
  onFinished(files: RunnerTestFile[] = []) {
    for (const file of files) {
      if (file.result?.state !== 'fail' || file.tasks.some(hasTest)) continue;
      const loads = {
        type: 'test',
        id: `${file.id}_loads`,
        name: 'the test file loads',
        mode: 'run',
        file,
        suite: file,
        meta: {},
        context: {},
        result: {
          state: 'fail',
          errors: file.result.errors ?? [{ message: 'the test file failed to load' }],
        },
      } as unknown as RunnerTestCase;
      file.tasks.push(loads);
    }
  }
}

export default defineConfig({
  test: {
    include: tests,
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', new FileLoadFailures()],
    // fast-check properties run at most this many times per test under mutation
    // (test/helpers/property-runs.ts): a static mutant re-runs every test of its group.
    env: { HOMEWARD_PROPERTY_RUNS: '100' },
  },
});
