/**
 * How many runs a fast-check property gets. Under mutation testing (`npm run mutate`),
 * stryker/vitest.mutate.config.ts sets HOMEWARD_PROPERTY_RUNS: every mutant Stryker cannot place
 * in one test (a static one) re-runs each test of its group, so a property of 1500 runs would
 * cost minutes per mutant. The rules a property samples are also stated by named tests, which
 * run in full; the capped property still runs, so a mutant it would catch is usually caught.
 */
export function propertyRuns(runs: number): number {
  const cap = Number(process.env.HOMEWARD_PROPERTY_RUNS);
  return Number.isInteger(cap) && cap > 0 ? Math.min(runs, cap) : runs;
}
