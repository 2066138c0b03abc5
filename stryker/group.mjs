// One mutation group: the safety modules it mutates and the unit tests that cover them.
// Every group config (stryker/<name>.conf.mjs) is built here so they share one shape:
// the vitest runner over stryker/vitest.mutate.config.ts, per-test coverage, a JSON report
// per group under reports/mutation/, and the issue-18 threshold (break at 90%).
//
// Equivalent mutants (ones that cannot change behaviour) are marked where Stryker reads them:
// a `// Stryker disable next-line <Mutator>: <reason>` comment on the line above. The results
// document (bench/MUTATION.md, written by stryker/results.mjs) lists every one with its reason.

export const BREAK_AT = 90;

/**
 * @param {string} name the group's name (file stem of its config and its report)
 * @param {{ mutate: string[]; tests: string[] }} group
 */
export function groupConfig(name, { mutate, tests }) {
  // An explicit STRYKER_TESTS (a narrower set while iterating on one file) wins.
  process.env.STRYKER_TESTS ??= tests.join(',');
  return {
    $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: 'stryker/vitest.mutate.config.ts', related: false },
    mutate,
    coverageAnalysis: 'perTest',
    reporters: ['clear-text', 'json', 'progress'],
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
    timeoutMS: 10_000,
    thresholds: { high: 95, low: BREAK_AT, break: BREAK_AT },
  };
}
