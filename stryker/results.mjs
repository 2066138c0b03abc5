// Reads Stryker's JSON reports (reports/mutation/<group>.json, mutation-testing-report-schema)
// and writes bench/MUTATION.md: each file's score, the date and commit of the run, and every
// mutant marked equivalent (Ignored) with the reason written beside it in the source.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { BREAK_AT } from './group.mjs';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Stryker's mutation score per file: detected / (detected + undetected); Ignored and errors left out. */
export function fileScores(report) {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const count = (set) => mutants.filter((m) => set.has(m.status)).length;
      const detected = count(DETECTED);
      const undetected = count(UNDETECTED);
      const valid = detected + undetected;
      return {
        file,
        score: valid === 0 ? 100 : (100 * detected) / valid,
        killed: mutants.filter((m) => m.status === 'Killed').length,
        timeout: mutants.filter((m) => m.status === 'Timeout').length,
        survived: mutants.filter((m) => m.status === 'Survived').length,
        noCoverage: mutants.filter((m) => m.status === 'NoCoverage').length,
        ignored: mutants.filter((m) => m.status === 'Ignored'),
        undetected: mutants.filter((m) => UNDETECTED.has(m.status)),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

/** How the group's last run went (written by run.mjs beside its report), if known. */
function runOf(group) {
  const path = `reports/mutation/${group}.run.json`;
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

export function writeResults(groups) {
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src', 'test', 'stryker').length > 0;
  const lines = [
    '# Mutation testing results (issue 18)',
    '',
    `**Written:** ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit \`${commit}\`${dirty ? ' plus uncommitted changes to src/, test/ or stryker/' : ''}. Each group below was measured at the commit and time given in its own row.`,
    '',
    `Written by \`npm run mutate\` (Stryker 9.6.1, vitest runner; see \`stryker/\`). Each file must score ${BREAK_AT}% or more:`,
    'score = (killed + timed out) / (killed + timed out + survived + not covered). Re-run it and commit this file',
    'whenever a listed module changes.',
    '',
    '## Groups',
    '',
    '| group | measured at | commit | minutes | result |',
    '| --- | --- | --- | ---: | --- |',
  ];
  const files = [
    '',
    '## Files',
    '',
    '| group | file | score | killed | timeout | survived | no coverage | equivalent |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const equivalents = [];
  const undetected = [];
  const notRun = [];
  for (const group of groups) {
    const path = `reports/mutation/${group}.json`;
    if (!existsSync(path)) {
      notRun.push(group);
      lines.push(`| ${group} | not run | | | **no result: not measured** |`);
      continue;
    }
    const run = runOf(group);
    const scores = fileScores(JSON.parse(readFileSync(path, 'utf8')));
    const weak = scores.filter((s) => s.score < BREAK_AT).length;
    lines.push(
      run
        ? `| ${group} | ${run.started.slice(0, 16).replace('T', ' ')} UTC | \`${run.commit}\`${run.dirty ? ' + changes' : ''} | ${run.minutes} | ${weak === 0 ? `every file ≥ ${BREAK_AT}%` : `**${weak} file(s) below ${BREAK_AT}%**`} |`
        : `| ${group} | unknown (report without run record) | | | ${weak === 0 ? `every file ≥ ${BREAK_AT}%` : `**${weak} file(s) below ${BREAK_AT}%**`} |`,
    );
    for (const s of scores) {
      files.push(
        `| ${group} | \`${s.file}\` | ${s.score.toFixed(2)}% | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.ignored.length} |`,
      );
      for (const m of s.ignored) equivalents.push({ file: s.file, m });
      for (const m of s.undetected) undetected.push({ group, file: s.file, m });
    }
  }
  if (notRun.length > 0) {
    lines.push(
      '',
      `**Not measured:** ${notRun.join(', ')}. These groups have no report: their files are not shown to meet the threshold.`,
    );
  }
  lines.push(...files);
  lines.push('', '## Mutants no test detected (as measured)', '');
  if (undetected.length === 0) lines.push('None.');
  else {
    lines.push(
      'Each was measured by the run in its group row; one marked equivalent or killed by a test since shows',
      'as such only after that group is run again.',
      '',
      '| group | file:line | mutator | status | replacement |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const { group, file, m } of undetected) {
      const replacement = (m.replacement ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 80);
      lines.push(
        `| ${group} | \`${file}:${m.location.start.line}\` | ${m.mutatorName} | ${m.status} | \`${replacement}\` |`,
      );
    }
  }
  lines.push('', '## Equivalent mutants', '');
  if (equivalents.length === 0) lines.push('None.');
  else {
    lines.push('| file:line | mutator | reason |', '| --- | --- | --- |');
    for (const { file, m } of equivalents) {
      const reason = (m.statusReason ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ');
      lines.push(`| \`${file}:${m.location.start.line}\` | ${m.mutatorName} | ${reason} |`);
    }
  }
  writeFileSync('bench/MUTATION.md', `${lines.join('\n')}\n`);
}
