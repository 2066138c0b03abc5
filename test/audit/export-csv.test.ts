import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS } from '../../src/audit/entries.js';
import { auditCsv, csvField } from '../../src/audit/export-csv.js';
import { matchingRows } from '../../src/audit/query.js';
import { type AuditFixture, collect, disclosure, withEntries } from './helpers.js';

/** A strict RFC 4180 reader, to prove the writer's output parses back to the stored values. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      field += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

let f: AuditFixture;
beforeAll(async () => {
  f = await withEntries(5);
  // Free text with every character RFC 4180 must quote.
  await f.append(disclosure(9, { purpose: 'a, "quoted"\r\nmulti-line purpose', lawfulBasis: 'x,y' }));
});

const rows = () => matchingRows(f.store.db, {}, { kind: 'all' }, 4);

describe('CSV export (RFC 4180)', () => {
  it('quotes fields with commas, quotes, CR or LF and doubles their quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });

  it('writes a header row and every stored value verbatim, CRLF line ends', async () => {
    const text = await collect(auditCsv(rows()));
    expect(text.endsWith('\r\n')).toBe(true);
    const parsed = parseCsv(text);
    expect(parsed[0]).toEqual([...AUDIT_COLUMNS]);
    const stored = await f.store.db.selectFrom('audit').selectAll().orderBy('seq').execute();
    expect(parsed.slice(1)).toEqual(
      stored.map((r) => AUDIT_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c])))),
    );
    expect(parsed.at(-1)?.[AUDIT_COLUMNS.indexOf('purpose')]).toBe('a, "quoted"\r\nmulti-line purpose');
  });
});
