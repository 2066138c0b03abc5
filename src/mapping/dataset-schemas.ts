/**
 * The dataset JSON Schemas (profiles/datasets/, versioned), compiled once. A dataset that does
 * not validate is a mapping bug: it is never stored or sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ReferralType } from '../config/registry-types.js';

export const DATASET_VERSION: Readonly<Record<ReferralType, string>> = {
  'duty-to-refer': 'duty-to-refer/1',
  'discharge-support': 'discharge-support/1',
  'home-adaptation': 'home-adaptation/1',
};

export type DatasetValidators = Readonly<Record<ReferralType, ValidateFunction>>;

export function compileDatasetSchemas(profilesDir: string): DatasetValidators {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const read = (name: string) => {
    const path = join(profilesDir, 'datasets', name);
    // Stryker disable next-line StringLiteral: readFileSync(path, '') returns a Buffer, which JSON.parse reads as its UTF-8 text: the same schema
    return JSON.parse(readFileSync(path, 'utf8')) as object;
  };
  ajv.addSchema(read('common.v1.schema.json'));
  return {
    'duty-to-refer': ajv.compile(read('duty-to-refer.v1.schema.json')),
    'discharge-support': ajv.compile(read('discharge-support.v1.schema.json')),
    'home-adaptation': ajv.compile(read('home-adaptation.v1.schema.json')),
  };
}

export class DatasetInvalidError extends Error {
  constructor(
    readonly type: ReferralType,
    readonly problems: string[],
  ) {
    super(`Dataset ${type} does not match its schema: ${problems.join('; ')}`);
    this.name = 'DatasetInvalidError';
  }
}

export function assertDataset(validators: DatasetValidators, type: ReferralType, dataset: unknown): void {
  const validate = validators[type];
  if (validate(dataset)) return;
  // Stryker disable next-line ArrayDeclaration: Ajv sets errors whenever validate returns false; the [] only satisfies the type
  const errors = validate.errors ?? [];
  throw new DatasetInvalidError(type, errors.map(problem));
}

/** One problem as `<path> <message>`, the whole dataset's path as (root). */
function problem(e: ErrorObject): string {
  // Stryker disable next-line StringLiteral: Ajv (messages on, its default) gives every error a message; the '' only satisfies the type
  const message = e.message ?? '';
  return `${e.instancePath || '(root)'} ${message}`;
}
