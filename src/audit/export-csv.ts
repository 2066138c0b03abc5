/**
 * CSV export (RFC 4180): a header row naming the columns, CRLF line ends, and a field quoted when
 * it holds a comma, a double quote, CR or LF, with its double quotes doubled. Values are exactly
 * the stored columns, so an exported row can be re-hashed and checked against the chain
 * (src/audit/README.md). For the same reason nothing is altered to defuse spreadsheet formulas
 * (OWASP "CSV injection"): the README tells IG leads to import the file as text.
 */
import type { AuditTable } from '../store/schema.js';
import { AUDIT_COLUMNS } from './entries.js';

const CRLF = '\r\n';
/** Flush a chunk once it is this long: few writes, bounded memory. */
const CHUNK_CHARS = 64 * 1024;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | null>): string {
  return values.map(csvField).join(',') + CRLF;
}

/** The CSV document, in chunks. */
export async function* auditCsv(rows: AsyncIterable<AuditTable>): AsyncGenerator<string> {
  let chunk = csvRow(AUDIT_COLUMNS);
  for await (const row of rows) {
    chunk += csvRow(AUDIT_COLUMNS.map((c) => row[c]));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
