/**
 * Keyset pagination cursors for the inbox and admin lists: the sort key and id of the last row
 * shown, base64url so clients treat them as opaque. Keysets stay stable while rows are added,
 * unlike OFFSET (the audit pages the same way, src/audit/query.ts).
 */
export interface Cursor {
  /** The sort key of the last row shown (an ISO-8601 time). */
  key: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.key, c.id]), 'utf8').toString('base64url');
}

/** The cursor, or undefined when it is not one this gateway returned. */
export function decodeCursor(raw: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(raw)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [key, id] = v as unknown[];
    return typeof key === 'string' && typeof id === 'string' ? { key, id } : undefined;
  } catch {
    return undefined;
  }
}
