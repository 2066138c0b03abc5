/**
 * The inbound profiles: JSON Schemas in $PROFILES_DIR/fhir/*.schema.json and code lists in
 * $PROFILES_DIR/codes/, read and compiled once at start (design.md, Conventions). A schema whose
 * root `properties.resourceType.const` names a type validates resources of that type; the one for
 * `Bundle` validates the message envelope; the others (datatypes) are shared definitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type SchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isValidNhsNumber } from '../fhir/nhs-number.js';
import { SYSTEM_FORMATS } from '../fhir/systems.js';

export interface CodeListEntry {
  system: string;
  code: string;
  display?: string;
}

export interface IntakeProfiles {
  envelope: ValidateFunction;
  /** The compiled schema for a resource type, when the gateway relies on that type. */
  resource(type: string): ValidateFunction | undefined;
  /** Types with a schema (for documentation and tests). */
  readonly types: readonly string[];
  housingNeed(system: string | undefined, code: string | undefined): CodeListEntry | undefined;
  /** Observation codes whose value carries the housing situation (LOINC 71802-3). */
  isHousingStatusObservation(system: string | undefined, code: string | undefined): boolean;
}

export class ProfilesError extends Error {
  constructor(readonly problems: string[]) {
    super(`Profiles are invalid (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ProfilesError';
  }
}

function readJson(file: string, problems: string[]): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function codeList(value: unknown): CodeListEntry[] {
  const codes = (value as { codes?: unknown } | undefined)?.codes;
  if (!Array.isArray(codes)) return [];
  return codes.filter(
    (c): c is CodeListEntry =>
      typeof c === 'object' && c !== null && typeof c.system === 'string' && typeof c.code === 'string',
  );
}

const key = (system: string | undefined, code: string | undefined) => `${system ?? ''}|${code ?? ''}`;

export function loadIntakeProfiles(profilesDir: string): IntakeProfiles {
  const problems: string[] = [];
  // allErrors: a 422 lists every issue (issue 4 item 5). verbose: errors carry their schema node,
  // whose description explains the rule. strictTypes and strictRequired off: if/then fragments and
  // profiles that add `required` to a $ref'd base name no type and no properties of their own.
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
  });
  ajv.addFormat('nhs-number', { type: 'string', validate: isValidNhsNumber });
  // Systems with several published spellings: the profiles name the kind, systems.ts the URLs.
  for (const [name, validate] of Object.entries(SYSTEM_FORMATS))
    ajv.addFormat(name, { type: 'string', validate });
  const dir = join(profilesDir, 'fhir');
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .sort();
  } catch {
    problems.push(`${dir}: folder is missing`);
  }
  const added: Array<{ file: string; id: string; type?: string }> = [];
  for (const f of files) {
    const file = join(dir, f);
    const schema = readJson(file, problems) as SchemaObject | undefined;
    if (schema === undefined) continue;
    if (typeof schema.$id !== 'string') {
      problems.push(`${file}: a profile needs an $id`);
      continue;
    }
    try {
      ajv.addSchema(schema);
    } catch (err) {
      problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const type = (schema.properties as Record<string, { const?: unknown }> | undefined)?.resourceType?.const;
    added.push({ file, id: schema.$id, ...(typeof type === 'string' ? { type } : {}) });
  }
  // Compile every schema now, shared definitions included, so a broken one stops the start.
  const compiled = new Map<string, ValidateFunction>();
  for (const { file, id, type } of added) {
    try {
      const validate = ajv.getSchema(id) as ValidateFunction;
      if (type) compiled.set(type, validate);
    } catch (err) {
      problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const envelope = compiled.get('Bundle');
  if (!envelope && problems.length === 0)
    problems.push(`${dir}: no schema for resourceType Bundle (the envelope)`);
  const housing = readJson(join(profilesDir, 'codes', 'housing-need.json'), problems);
  if (problems.length > 0 || !envelope) throw new ProfilesError(problems);

  const needs = new Map(codeList(housing).map((c) => [key(c.system, c.code), c]));
  const statusCodes = new Set(
    codeList((housing as { observationCodes?: unknown }).observationCodes).map((c) => key(c.system, c.code)),
  );
  compiled.delete('Bundle');
  return {
    envelope,
    resource: (type) => compiled.get(type),
    types: [...compiled.keys()].sort(),
    housingNeed: (system, code) => needs.get(key(system, code)),
    isHousingStatusObservation: (system, code) => statusCodes.has(key(system, code)),
  };
}
