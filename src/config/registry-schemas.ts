/**
 * The JSON Schemas of partner and agreement files, compiled once per process, and the translation
 * of ajv errors into registry problems located by a JSON path (`scope.catchment.postcodeDistricts[0]`).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Agreement, Partner, RegistryProblem } from './registry-types.js';

/** A partner file as written by an operator: the loader adds `source`. */
export type PartnerDocument = Omit<Partner, 'source'>;
/** An agreement file as written by an operator: the loader adds `source` and `sha256`. */
export type AgreementDocument = Omit<Agreement, 'source' | 'sha256'>;

export interface RegistryValidators {
  partner: ValidateFunction<PartnerDocument>;
  agreement: ValidateFunction<AgreementDocument>;
}

/**
 * The schemas belong to the code, not to the operator's folder: resolved from this module so the
 * same URL works from src/config/ (vitest) and dist/config/ (tsc output mirrors src/).
 */
const SCHEMA_DIR = new URL('../../consent/schema/', import.meta.url);

let compiled: RegistryValidators | undefined;

function readSchema(name: string): SchemaObject {
  const parsed: unknown = JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${name} is not a JSON Schema object`);
  }
  return parsed as SchemaObject;
}

/** Compile both schemas on first use and keep them (design: "schemas compiled once at start"). */
export function registryValidators(): RegistryValidators {
  if (compiled) return compiled;
  // allErrors: report every problem at once (conventions 6). discriminator: the `delivery.mode` and
  // `consent.requirement` unions then report errors of the chosen branch only, not of every branch.
  // verbose: gives each error its parentSchema, whose description explains oneOf-style rules.
  const ajv = new Ajv2020({ allErrors: true, strict: true, discriminator: true, verbose: true });
  // ajv-formats is CommonJS; under NodeNext its default import is the module object.
  addFormats.default(ajv, ['date', 'uri', 'email']);
  compiled = {
    partner: ajv.compile<PartnerDocument>(readSchema('partner.schema.json')),
    agreement: ajv.compile<AgreementDocument>(readSchema('agreement.schema.json')),
  };
  return compiled;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Render path segments as `a.b[0].c`, using the data to tell array indexes from object keys. */
export function formatPath(data: unknown, segments: readonly string[]): string {
  let out = '';
  let node: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(node)) out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out === '' ? '(root)' : out;
}

/** RFC 6901: `/a~1b/0` -> ['a/b', '0']. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 7517/7518 private-key members: their presence means someone pasted a private key. */
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

function param(error: ErrorObject, name: string): string {
  const value = (error.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The tag values of a discriminated union, read from the oneOf branches of the failing schema. */
function variants(error: ErrorObject, tag: string): string[] {
  const branches = (error.parentSchema as { oneOf?: unknown } | undefined)?.oneOf;
  if (!Array.isArray(branches)) return [];
  return branches.map((b) =>
    String((b as { properties?: Record<string, { const?: unknown }> }).properties?.[tag]?.const),
  );
}

function explain(error: ErrorObject, segments: string[]): { extra?: string; message: string } {
  switch (error.keyword) {
    case 'required':
      return { extra: param(error, 'missingProperty'), message: 'is required' };
    case 'additionalProperties': {
      const name = param(error, 'additionalProperty');
      const inJwk = segments.includes('jwks') || segments.includes('encryptionJwk');
      return inJwk && PRIVATE_JWK_MEMBERS.has(name)
        ? {
            extra: name,
            message: 'private key material must never be in the registry: publish the public key only',
          }
        : { extra: name, message: 'unknown property (not allowed here; check the spelling)' };
    }
    case 'discriminator': {
      const tag = param(error, 'tag');
      return param(error, 'error') === 'tag'
        ? { extra: tag, message: 'is required (a string naming the variant)' }
        : { extra: tag, message: `must be one of: ${variants(error, tag).join(', ')}` };
    }
    case 'enum':
      return {
        message: `must be one of: ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`,
      };
    case 'minProperties':
    case 'maxProperties':
    case 'oneOf': {
      const hint = (error.parentSchema as { description?: unknown } | undefined)?.description;
      return { message: typeof hint === 'string' ? `${error.message}: ${hint}` : String(error.message) };
    }
    default:
      return { message: error.message ?? error.keyword };
  }
}

/** One problem per ajv error (duplicates removed), in the order ajv found them. */
export function schemaProblems(
  file: string,
  data: unknown,
  errors: readonly ErrorObject[],
): RegistryProblem[] {
  const seen = new Set<string>();
  const problems: RegistryProblem[] = [];
  for (const error of errors) {
    const segments = pointerSegments(error.instancePath);
    const { extra, message } = explain(error, segments);
    const path = formatPath(data, extra === undefined ? segments : [...segments, extra]);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file, path, message });
  }
  return problems;
}
