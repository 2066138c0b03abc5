/**
 * Issue 19 acceptance: "No file outside src/referral/ updates the referrals table". The referral
 * stage owns it (design.md: a stage never writes another stage's tables, it calls that stage's
 * functions). This scans every source file for a write to `referrals` — Kysely's insertInto,
 * updateTable, deleteFrom, replaceInto, mergeInto, or SQL text (sql`...`, sql.raw) — and names
 * the file and line of each one found outside src/referral/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const OWNER = 'src/referral/';
/**
 * Migrations change the schema and, once, the rows of every table (0006 rewrote episode keys):
 * they run before any stage does and are frozen history, so they are the one exception.
 */
const MIGRATIONS = /^src\/store\/migration(s|-\d{4})\.ts$/;

/** The referral stage's tables: the referrals, their steps, their conversation, readmission links. */
const TABLES = '(referrals|referral_steps|referral_messages|readmission_links)';
const KYSELY_WRITE = new RegExp(
  `\\.\\s*(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\\s*\\(\\s*['"\`]${TABLES}(\\s+as\\s+\\w+)?['"\`]`,
  'g',
);
const SQL_WRITE = new RegExp(
  `\\b(update|insert\\s+(or\\s+\\w+\\s+)?into|delete\\s+from|replace\\s+into|merge\\s+into|truncate(\\s+table)?)\\s+("?\\w+"?\\.)?"?${TABLES}"?(?![\\w-])`,
  'gi',
);

/** `file:line: the statement` for each write to the referrals table in `text`. */
function referralWrites(file: string, text: string): string[] {
  const found: string[] = [];
  for (const re of [KYSELY_WRITE, SQL_WRITE]) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`${file}:${line}: ${m[0].replace(/\s+/g, ' ')}`);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

describe("the referral stage's tables have one owner", () => {
  it('no file outside src/referral/ writes it', () => {
    const offenders = sourceFiles(join(ROOT, 'src'))
      .map((p) => relative(ROOT, p).split('\\').join('/'))
      .filter((f) => !f.startsWith(OWNER) && !MIGRATIONS.test(f))
      .flatMap((f) => referralWrites(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders, 'call a function of src/referral/ instead').toEqual([]);
  });

  it('the owner does write it (the scan finds what it looks for)', () => {
    const owner = sourceFiles(join(ROOT, OWNER)).flatMap((p) =>
      referralWrites(relative(ROOT, p), readFileSync(p, 'utf8')),
    );
    expect(owner.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ["await tx.updateTable('referrals').set({ status }).execute();", 1],
    ['await tx\n  .insertInto("referrals")\n  .values(row)', 1],
    ['db.deleteFrom(`referrals as r`).where(...)', 1],
    ["await sql`update referrals set status = 'x'`.execute(tx);", 1],
    ['sql`UPDATE "referrals" SET dataset = NULL`', 1],
    ["sql.raw('insert into referrals (id) values (1)')", 1],
    ["tx.insertInto('referral_steps').values(step)", 1],
    ["db.updateTable('referral_messages').set({ text: null })", 1],
    ['sql`delete from readmission_links`', 1],
    ['sql`delete from public.referrals where id = ?`', 1],
    ['sql`INSERT OR REPLACE INTO referrals VALUES (1)`', 1],
    // Reads, other tables, and words in prose are not writes.
    ["tx.selectFrom('referrals').selectAll()", 0],
    ["tx.updateTable('referrals_archive')", 0],
    ["tx.updateTable('deliveries').where('referral_id', '=', id)", 0],
    ['sql`update deliveries set referral_id = null`', 0],
  ])('finds the writes in %j', (text, n) => {
    expect(referralWrites('x.ts', text)).toHaveLength(n);
  });
});
