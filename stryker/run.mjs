#!/usr/bin/env node
// npm run mutate [group ...]: runs each mutation group (stryker/<group>.conf.mjs) in turn, then
// checks every mutated file on its own against the break threshold (Stryker's `break` judges a
// group's total, so a strong file could hide a weak one), and writes bench/MUTATION.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BREAK_AT } from './group.mjs';
import { fileScores, writeResults } from './results.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'no-results': { type: 'boolean', default: false } },
});
const all = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.conf.mjs'))
  .map((f) => f.slice(0, -'.conf.mjs'.length))
  .sort();
const unknown = positionals.filter((g) => !all.includes(g));
if (unknown.length > 0) {
  console.error(`unknown mutation group(s): ${unknown.join(', ')} (groups: ${all.join(', ')})`);
  process.exit(2);
}
const groups = positionals.length > 0 ? positionals : all;
const failures = [];
for (const group of groups) {
  console.log(`\n=== mutation group ${group} ===`);
  const reportPath = `reports/mutation/${group}.json`;
  // A report left by an earlier run must not stand for this one: drop it before running.
  rmSync(reportPath, { force: true });
  const started = new Date();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty =
    execFileSync('git', ['status', '--porcelain', '--', 'src', 'test', 'stryker'], {
      encoding: 'utf8',
    }).trim() !== '';
  const run = spawnSync('npx', ['stryker', 'run', `stryker/${group}.conf.mjs`], { stdio: 'inherit' });
  if (run.status !== 0) failures.push(`${group}: stryker exited ${run.status}`);
  if (!existsSync(reportPath)) {
    failures.push(`${group}: no report (the run did not finish)`);
    continue;
  }
  // What results.mjs prints beside the group's scores: when, on which commit, how long.
  mkdirSync('reports/mutation', { recursive: true });
  writeFileSync(
    `reports/mutation/${group}.run.json`,
    JSON.stringify({
      group,
      commit,
      dirty,
      started: started.toISOString(),
      minutes: Math.round((Date.now() - started.getTime()) / 6000) / 10,
      stryker: run.status,
    }),
  );
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  for (const { file, score } of fileScores(report)) {
    if (score < BREAK_AT) failures.push(`${group}: ${file} scored ${score.toFixed(2)}% (< ${BREAK_AT}%)`);
  }
}
if (!values['no-results']) writeResults(all);
if (failures.length > 0) {
  console.error(`\nmutation testing failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`\nevery mutated file scored ${BREAK_AT}% or more`);
