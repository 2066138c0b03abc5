import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/reporters';

function collect(tasks: RunnerTask[], acc: { passed: number; failed: number; skipped: number }): void {
  for (const t of tasks) {
    if (t.type === 'suite') collect(t.tasks, acc);
    else if (t.result?.state === 'pass') acc.passed++;
    else if (t.result?.state === 'fail') acc.failed++;
    else acc.skipped++;
  }
}

/** Ends the run with one plain line, `tests: N passed, N failed`, that CI tooling reads. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const acc = { passed: 0, failed: 0, skipped: 0 };
    collect(files, acc);
    // A file that failed to load counts as a failure even though it has no test tasks.
    const failedFiles = files.filter((f) => f.result?.state === 'fail' && f.tasks.length === 0).length;
    const failed = acc.failed + failedFiles + errors.length;
    process.stdout.write(
      `\ntests: ${acc.passed} passed, ${failed} failed${acc.skipped ? `, ${acc.skipped} skipped` : ''}\n`,
    );
  }
}
