/**
 * The dataset JSON Schemas (src/mapping/dataset-schemas.ts): compiled strictly from
 * profiles/datasets/, every problem of a dataset reported by where it is.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertDataset,
  compileDatasetSchemas,
  DATASET_VERSION,
  DatasetInvalidError,
} from '../../src/mapping/dataset-schemas.js';

const validators = compileDatasetSchemas('profiles');
const consent = { referral: true, shareContactDetails: true, consents: ['Consent/cons1'] };

function problemsOf(type: 'duty-to-refer' | 'discharge-support', dataset: unknown): DatasetInvalidError {
  try {
    assertDataset(validators, type, dataset);
  } catch (err) {
    if (err instanceof DatasetInvalidError) return err;
    throw err;
  }
  throw new Error('the dataset validated');
}

describe('dataset schemas', () => {
  it('names the version of each referral type’s dataset', () => {
    expect(DATASET_VERSION).toEqual({
      'duty-to-refer': 'duty-to-refer/1',
      'discharge-support': 'discharge-support/1',
      'home-adaptation': 'home-adaptation/1',
    });
  });

  it('accepts a dataset of each type that matches its own schema', () => {
    expect(() => assertDataset(validators, 'duty-to-refer', { consent, reason: 'homeless' })).not.toThrow();
    expect(() => assertDataset(validators, 'discharge-support', { consent })).not.toThrow();
  });

  it('reports every problem at once, each by its path, the whole dataset as (root)', () => {
    const err = problemsOf('duty-to-refer', {
      consent: { referral: true, shareContactDetails: true },
      reason: 'evicted',
      colour: 'blue',
    });
    expect(err).toMatchObject({ name: 'DatasetInvalidError', type: 'duty-to-refer' });
    expect([...err.problems].sort()).toEqual([
      '(root) must NOT have additional properties',
      "/consent must have required property 'consents'",
      '/reason must be equal to one of the allowed values',
    ]);
    expect(err.message).toBe(`Dataset duty-to-refer does not match its schema: ${err.problems.join('; ')}`);
  });

  it('refuses a birth date that is not a FHIR date', () => {
    expect(problemsOf('discharge-support', { consent, birthDate: '14/05/1979' }).problems).toEqual([
      '/birthDate must match pattern "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"',
    ]);
  });

  it('checks each dataset against its own type: a Duty to Refer field is not a discharge-support one', () => {
    const dtr = {
      consent,
      reason: 'homeless',
      chosenAuthority: { odsCode: 'LTB01', name: 'Tynebridge', chosenByPerson: true },
    };
    expect(() => assertDataset(validators, 'duty-to-refer', dtr)).not.toThrow();
    expect(() => assertDataset(validators, 'discharge-support', dtr)).toThrow(DatasetInvalidError);
  });

  it('refuses to compile a schema with a keyword it does not know (strict mode): a typo never passes silently', () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeward-profiles-'));
    cpSync(join('profiles', 'datasets'), join(dir, 'datasets'), { recursive: true });
    const file = join(dir, 'datasets', 'duty-to-refer.v1.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...schema, requried: ['consent'] }));
    expect(() => compileDatasetSchemas(dir)).toThrow(/requried/);
  });
});
