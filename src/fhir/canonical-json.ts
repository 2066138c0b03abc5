/**
 * Canonical JSON for idempotency hashes, after RFC 8785 (JSON Canonicalization Scheme): object
 * members sorted by their UTF-16 code units (which is what Array.prototype.sort compares), no
 * insignificant whitespace, strings and numbers serialised as ECMAScript JSON.stringify does
 * (RFC 8785 section 3.2.2 adopts exactly that serialisation). Two bodies that differ only in key
 * order or whitespace hash the same; any change of value does not.
 */
import { createHash } from 'node:crypto';

/** A member name the engine may enumerate before the others (an array index: "0", "12"). */
class IndexLikeKey extends Error {}

/** Object keys sorted, for JSON.stringify: the engine's own serialiser does the rest. */
function sortedKeys(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const record = v as Record<string, unknown>;
  // No prototype: a "__proto__" member (JSON.parse makes it an own property) stays a member.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(record).sort()) {
    // Objects list index-like names first, in numeric order, whatever the insertion order.
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) throw new IndexLikeKey();
    sorted[k] = record[k];
  }
  return sorted;
}

/**
 * The engine's JSON.stringify with sorted keys (about twice as fast, issue 11). Two cases fall
 * back to the iterative form, which gives the same text: a body nested too deeply for the engine
 * (a RangeError: intake hashes before it validates, so the body may be hostile), and an object
 * with a member name starting with a digit (the engine would reorder index-like names).
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, sortedKeys) ?? 'null';
  } catch (err) {
    if (!(err instanceof RangeError || err instanceof IndexLikeKey)) throw err;
    return canonicalJsonIterative(value);
  }
}

/** Iterative, so hostile nesting cannot exhaust the stack. */
export function canonicalJsonIterative(value: unknown): string {
  type Frame = { kind: 'value'; value: unknown } | { kind: 'text'; text: string };
  const out: string[] = [];
  const stack: Frame[] = [{ kind: 'value', value }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (frame.kind === 'text') {
      out.push(frame.text);
      continue;
    }
    const v = frame.value;
    if (Array.isArray(v)) {
      const parts: Frame[] = [{ kind: 'text', text: '[' }];
      v.forEach((item, i) => {
        if (i > 0) parts.push({ kind: 'text', text: ',' });
        parts.push({ kind: 'value', value: item });
      });
      parts.push({ kind: 'text', text: ']' });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i] as Frame);
    } else if (typeof v === 'object' && v !== null) {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      const parts: Frame[] = [{ kind: 'text', text: '{' }];
      keys.forEach((k, i) => {
        parts.push({ kind: 'text', text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
        parts.push({ kind: 'value', value: record[k] });
      });
      parts.push({ kind: 'text', text: '}' });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i] as Frame);
    } else {
      // JSON.parse output holds only strings, finite numbers, booleans and null here.
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}

/** SHA-256 (hex) of the canonical JSON of `value`. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
