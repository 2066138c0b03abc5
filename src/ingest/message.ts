/**
 * A message as the checks see it: the bundle's entries (unvalidated JSON, read through guards),
 * an index to resolve references, and the resources fetched from the sender's FHIR server.
 */
import { type BundleIndex, type IndexedEntry, indexBundle } from '../fhir/bundle-references.js';

export type Json = Readonly<Record<string, unknown>>;

export interface Entry extends IndexedEntry {
  /** `Bundle.entry[2].resource`, or `<reference>.resolve()` for a fetched resource. */
  expression: string;
}

export interface Message {
  body: Json;
  entries: Entry[];
  index: BundleIndex;
  /** The sender's FHIR server base, when it has one: unresolved references may be read there. */
  remoteBase?: string;
  /** Fetched from the trust, by `Type/id`. */
  fetched: Map<string, Entry>;
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asArray = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const objects = (v: unknown): Json[] => asArray(v).filter(isObject);

export function entryOf(
  resource: Json,
  index: number,
  expression: string,
  fullUrl?: string,
): Entry | undefined {
  const type = asString(resource.resourceType);
  if (!type) return undefined;
  const id = asString(resource.id);
  return { index, type, resource, expression, ...(id ? { id } : {}), ...(fullUrl ? { fullUrl } : {}) };
}

export function messageOf(body: Json, remoteBase?: string): Message {
  const entries: Entry[] = [];
  asArray(body.entry).forEach((e, i) => {
    if (!isObject(e) || !isObject(e.resource)) return;
    const entry = entryOf(e.resource, i, `Bundle.entry[${i}].resource`, asString(e.fullUrl));
    if (entry) entries.push(entry);
  });
  return {
    body,
    entries,
    index: indexBundle(entries),
    fetched: new Map(),
    ...(remoteBase ? { remoteBase } : {}),
  };
}

export type Lookup =
  | { kind: 'found'; entry: Entry }
  | { kind: 'pending'; type: string; id: string }
  | { kind: 'contained' }
  | { kind: 'missing' };

/** Resolve a reference made by `from`: in the bundle, among fetched resources, or still to fetch. */
export function lookup(m: Message, ref: unknown, from: Entry): Lookup {
  if (typeof ref !== 'string') return { kind: 'missing' };
  const r = m.index.resolve(ref, from, m.remoteBase);
  switch (r.kind) {
    case 'entry':
      return { kind: 'found', entry: r.entry as Entry };
    case 'contained':
      return { kind: 'contained' };
    case 'remote': {
      const fetched = m.fetched.get(`${r.type}/${r.id}`);
      return fetched ? { kind: 'found', entry: fetched } : { kind: 'pending', type: r.type, id: r.id };
    }
    case 'unresolved':
      return { kind: 'missing' };
  }
}

/** Bundle entries, then fetched resources. */
export function allResources(m: Message): Entry[] {
  return [...m.entries, ...m.fetched.values()];
}

/** The MessageHeader, when it is the first entry (otherwise the message is refused). */
export function headerOf(m: Message): Entry | undefined {
  const first = m.entries[0];
  return first && first.index === 0 && first.type === 'MessageHeader' ? first : undefined;
}

/** The largest nesting depth of a JSON value, without recursion (hostile input cannot blow the stack). */
export function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
