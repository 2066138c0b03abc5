/**
 * The dataset JSON Schemas (profiles/datasets/, versioned), compiled once. A dataset that does
 * not validate is a mapping bug: it is never stored or sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
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
  const read = (name: string) =>
    JSON.parse(readFileSync(join(profilesDir, 'datasets', name), 'utf8')) as object;
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
  throw new DatasetInvalidError(
    type,
    (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim()),
  );
}
