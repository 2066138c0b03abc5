/**
 * fast-check arbitraries that damage a valid FHIR message the ways hostile or broken senders do
 * (issue 12 item 1): remove a field, change its type, nest deeply, huge or odd-unicode strings,
 * duplicate entries, references that point at themselves or each other.
 */
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

/** Every path to a value inside `value` (the root excluded). */
export function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(key)] : node[String(key)];
  }
  return node;
}

function setAt(root: Json, path: Path, value: Json | undefined): void {
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || key === undefined) return;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(Number(key), 1);
    else parent[Number(key)] = value;
  } else if (value === undefined) delete parent[String(key)];
  else parent[String(key)] = value;
}

/** Strings that break naive code: NUL, lone surrogates, bidi overrides, combining marks, emoji. */
export const oddStrings: string[] = [
  '',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e9434765919',
  '\u200b\u200d\ufeff',
  'a\u0301\u0301\u0301\u0301',
  '👨‍👩‍👧‍👦'.repeat(50),
  `$${'{'}jndi:ldap://x}`,
  '<script>alert(1)</script>',
  "'; drop table events; --",
  '__proto__',
  'constructor',
  '#',
  'urn:uuid:',
  '../../../etc/passwd',
];

function nested(depth: number): Json {
  let v: Json = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? { n: v } : [v];
  return v;
}

export type Mutation =
  | { kind: 'remove'; at: number }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'deep'; at: number; depth: number }
  | { kind: 'huge'; at: number; length: number }
  | { kind: 'odd'; at: number; which: number }
  | { kind: 'duplicate-entry'; at: number; copies: number }
  | { kind: 'self-reference'; at: number; to: number }
  | { kind: 'proto-key'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  }),
  fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 10, max: 200 }) }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1_000, max: 1_200_000 }),
  }),
  fc.record({
    kind: fc.constant('odd' as const),
    at: fc.nat(),
    which: fc.nat({ max: oddStrings.length - 1 }),
  }),
  fc.record({
    kind: fc.constant('duplicate-entry' as const),
    at: fc.nat(),
    copies: fc.integer({ min: 1, max: 600 }),
  }),
  fc.record({ kind: fc.constant('self-reference' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('proto-key' as const), at: fc.nat() }),
);

/** Apply `m` to `root` in place (root is a fresh copy). */
export function applyMutation(root: Json, m: Mutation): void {
  const paths = pathsOf(root);
  const path = paths[m.at % Math.max(1, paths.length)];
  const entries = root !== null && typeof root === 'object' && !Array.isArray(root) ? root.entry : undefined;
  const list = Array.isArray(entries) ? entries : [];
  switch (m.kind) {
    case 'remove':
      if (path) setAt(root, path, undefined);
      return;
    case 'replace':
      if (path) setAt(root, path, m.value);
      return;
    case 'deep':
      if (path) setAt(root, path, nested(m.depth));
      return;
    case 'huge':
      if (path) setAt(root, path, 'x'.repeat(m.length));
      return;
    case 'odd':
      if (path) setAt(root, path, oddStrings[m.which] ?? '');
      return;
    case 'duplicate-entry': {
      const e = list[m.at % Math.max(1, list.length)];
      for (let i = 0; e !== undefined && i < m.copies; i++) list.push(structuredClone(e));
      return;
    }
    case 'self-reference': {
      // A reference aimed at the fullUrl of some entry, often its own: cycles for a resolver.
      const refs = paths.filter((p) => p[p.length - 1] === 'reference');
      const target = list[m.to % Math.max(1, list.length)];
      const url =
        target !== null && typeof target === 'object' && !Array.isArray(target) ? target.fullUrl : undefined;
      const ref = refs[m.at % Math.max(1, refs.length)];
      if (ref && typeof url === 'string') setAt(root, ref, url);
      return;
    }
    case 'proto-key': {
      // An own `__proto__` key, as JSON.parse makes one (plain assignment would set the prototype).
      const parent = path ? parentOf(root, path) : undefined;
      if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
        Object.defineProperty(parent, '__proto__', {
          value: { polluted: true },
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return;
    }
  }
}
