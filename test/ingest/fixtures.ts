/** The synthetic example messages (test/fixtures/messages), shared by unit and integration tests. */
import { readdirSync, readFileSync } from 'node:fs';

export const FIXTURE_DIR = 'test/fixtures/messages';

export type JsonObject = Record<string, unknown>;

function readJson(file: string): JsonObject {
  return JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
}

/** A fresh copy of `<name>-request.json`, safe to mutate. */
export const request = (name: string): JsonObject => readJson(`${FIXTURE_DIR}/${name}-request.json`);
export const responseFixture = (name: string): JsonObject => readJson(`${FIXTURE_DIR}/${name}-response.json`);

export const scenarios = (): string[] =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('-request.json'))
    .map((f) => f.replace(/-request\.json$/, ''))
    .sort();

/** Read `a.b.0.c` inside a JSON value. */
export function at(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

export const REMOVE = Symbol('remove');

/** Set (or with REMOVE, delete) `a.b.0.c` inside a JSON value; returns the value for chaining. */
export function patch<T>(value: T, path: string, to: unknown): T {
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = at(value, keys.join('.')) ?? (keys.length === 0 ? value : undefined);
  const target = keys.length === 0 ? value : parent;
  if (typeof target !== 'object' || target === null) throw new Error(`patch: no ${path}`);
  const container = target as Record<string, unknown> & unknown[];
  if (to === REMOVE) {
    if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  } else container[last] = to;
  return value;
}

const BY_ODS: Record<string, string> = { R9N1C: 'north-coast-trust', R9R2V: 'riverside-trust' };

/** The partner that sends a fixture: the trust named by its sender Organization's ODS code. */
export function senderOf(body: JsonObject): string {
  const ref = at(body, 'entry.0.resource.sender.reference');
  const entries = (body.entry ?? []) as JsonObject[];
  const org = entries.find((e) => e.fullUrl === ref)?.resource;
  return BY_ODS[String(at(org, 'identifier.0.value'))] ?? 'north-coast-trust';
}
