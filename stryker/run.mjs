#!/usr/bin/env node
// npm run mutate [group ...]: runs each mutation group (stryker/<group>.conf.mjs) in turn, then
// checks every mutated file on its own against the break threshold (Stryker's `break` judges a
// group's total, so a strong file could hide a weak one), and writes bench/MUTATION.md.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  const run = spawnSync('npx', ['stryker', 'run', `stryker/${group}.conf.mjs`], { stdio: 'inherit' });
  if (run.status !== 0) failures.push(`${group}: stryker exited ${run.status}`);
  const report = JSON.parse(readFileSync(`reports/mutation/${group}.json`, 'utf8'));
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
