/**
 * Resolving literal references inside a Bundle (R4 section 2.36.4.1, bundle.html#references,
 * and section 2.3.0.1, references.html#literal). Rules, in order:
 *  - `#id` points into the referring resource's `contained` (`#` alone: the resource itself);
 *  - `urn:uuid:` / `urn:oid:` and absolute URLs match an entry's `fullUrl` exactly;
 *  - a relative `Type/id` is resolved against the base of the referring entry's RESTful fullUrl,
 *    then (leniently, as trust engines often pair urn:uuid fullUrls with `Type/id` references)
 *    against the one entry whose resource has that type and id.
 * What is not in the bundle may be fetched from the sender's own FHIR server when it is a
 * relative reference or an absolute one under that server's base.
 */

/** An entry as the resolver sees it (the resource is still unvalidated JSON). */
export interface IndexedEntry {
  index: number;
  fullUrl?: string;
  type: string;
  id?: string;
  resource: Readonly<Record<string, unknown>>;
}

export type ParsedReference =
  | { kind: 'contained'; id: string }
  | { kind: 'urn'; url: string }
  | { kind: 'absolute'; url: string; base?: string; type?: string; id?: string }
  | { kind: 'relative'; type: string; id: string }
  | { kind: 'invalid' };

// R4 id syntax (datatypes.html#id). An id of dots only ("." or "..") is refused although the
// pattern allows it: as a URL path segment it is a dot segment (RFC 3986 section 5.2.4), so
// `Location/..` would be fetched as the trust server's base with the gateway's credentials.
const ID = '(?!\\.+(?:/|$))[A-Za-z0-9\\-\\.]{1,64}';
const TYPE_ID = new RegExp(`^([A-Z][A-Za-z]+)/(${ID})(?:/_history/${ID})?$`);
const RESTFUL = new RegExp(`^(https?://\\S+?)/([A-Z][A-Za-z]+)/(${ID})(?:/_history/${ID})?$`);

export function parseReference(ref: string): ParsedReference {
  if (ref.startsWith('#')) return { kind: 'contained', id: ref.slice(1) };
  if (/^urn:(uuid|oid):\S+$/.test(ref)) return { kind: 'urn', url: ref };
  const restful = RESTFUL.exec(ref);
  if (restful) {
    const [, base, type, id] = restful as unknown as [string, string, string, string];
    return { kind: 'absolute', url: `${base}/${type}/${id}`, base, type, id };
  }
  if (/^https?:\/\/\S+$/.test(ref)) return { kind: 'absolute', url: ref };
  const rel = TYPE_ID.exec(ref);
  if (rel) return { kind: 'relative', type: rel[1] as string, id: rel[2] as string };
  return { kind: 'invalid' };
}

export type Resolution =
  | { kind: 'entry'; entry: IndexedEntry }
  | { kind: 'contained' }
  /** Not in the bundle, but the sender's FHIR server can be asked for `type/id`. */
  | { kind: 'remote'; type: string; id: string }
  | { kind: 'unresolved'; why: UnresolvedWhy };

/** `no-entry`: no fullUrl matches and it cannot be fetched; `no-server`: `Type/id` with no server to ask. */
export type UnresolvedWhy = 'no-entry' | 'no-server' | 'not-contained' | 'malformed' | 'ambiguous';

export interface BundleIndex {
  resolve(ref: string, from: IndexedEntry, remoteBase?: string): Resolution;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

function restfulBase(fullUrl: string | undefined): string | undefined {
  if (!fullUrl) return undefined;
  const m = RESTFUL.exec(fullUrl);
  return m ? (m[1] as string) : undefined;
}

function containedIds(resource: Readonly<Record<string, unknown>>): Set<string> {
  const contained = resource.contained;
  const ids = new Set<string>();
  if (!Array.isArray(contained)) return ids;
  for (const c of contained) {
    const id = typeof c === 'object' && c !== null ? (c as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

export function indexBundle(entries: readonly IndexedEntry[]): BundleIndex {
  const byFullUrl = new Map<string, IndexedEntry>();
  const byTypeId = new Map<string, IndexedEntry[]>();
  for (const e of entries) {
    if (e.fullUrl !== undefined && !byFullUrl.has(e.fullUrl)) byFullUrl.set(e.fullUrl, e);
    if (e.id !== undefined) {
      const key = `${e.type}/${e.id}`;
      byTypeId.set(key, [...(byTypeId.get(key) ?? []), e]);
    }
  }

  function byTypeAndId(type: string, id: string): Resolution | undefined {
    const found = byTypeId.get(`${type}/${id}`) ?? [];
    if (found.length === 1) return { kind: 'entry', entry: found[0] as IndexedEntry };
    return found.length > 1 ? { kind: 'unresolved', why: 'ambiguous' } : undefined;
  }

  return {
    resolve(ref, from, remoteBase) {
      const parsed = parseReference(ref);
      switch (parsed.kind) {
        case 'contained':
          return parsed.id === '' || containedIds(from.resource).has(parsed.id)
            ? { kind: 'contained' }
            : { kind: 'unresolved', why: 'not-contained' };
        case 'urn': {
          const entry = byFullUrl.get(parsed.url);
          return entry ? { kind: 'entry', entry } : { kind: 'unresolved', why: 'no-entry' };
        }
        case 'absolute': {
          const entry = byFullUrl.get(parsed.url) ?? byFullUrl.get(ref);
          if (entry) return { kind: 'entry', entry };
          if (
            remoteBase &&
            parsed.base &&
            parsed.type &&
            parsed.id &&
            trimSlash(parsed.base) === trimSlash(remoteBase)
          ) {
            return { kind: 'remote', type: parsed.type, id: parsed.id };
          }
          return { kind: 'unresolved', why: 'no-entry' };
        }
        case 'relative': {
          const base = restfulBase(from.fullUrl);
          const entry = base ? byFullUrl.get(`${base}/${parsed.type}/${parsed.id}`) : undefined;
          if (entry) return { kind: 'entry', entry };
          const lenient = byTypeAndId(parsed.type, parsed.id);
          if (lenient) return lenient;
          return remoteBase
            ? { kind: 'remote', type: parsed.type, id: parsed.id }
            : { kind: 'unresolved', why: 'no-server' };
        }
        case 'invalid':
          return { kind: 'unresolved', why: 'malformed' };
      }
    },
  };
}
