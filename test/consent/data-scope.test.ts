/**
 * fieldsInScope() (src/consent/data-scope.ts) on its own: what one provision is about. The
 * fuller cases, through decide(), are in consent-scope.test.ts and confidentiality.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { fieldsInScope, type ScopeContext } from '../../src/consent/data-scope.js';
import type { RecordFacts } from '../../src/consent/disclosure-facts.js';
import { dataClass } from './builders.js';

const FIELDS: DatasetField[] = ['name', 'nhsNumber', 'ward', 'riskFlags', 'consent'];
const ctx: ScopeContext = { fields: FIELDS, patientReferences: ['Patient/p1'] };

describe('fieldsInScope(): a class the gateway cannot map', () => {
  it('a permit for an unknown data class permits no field; a deny of one covers every field', () => {
    const p = { class: [dataClass('genetics')] };
    expect(fieldsInScope(p, 'permit', ctx)).toEqual([]);
    expect(fieldsInScope(p, 'deny', ctx)).toEqual(FIELDS);
  });

  it('a permit for a known and an unknown class permits the known class’s fields only', () => {
    const p = { class: [dataClass('genetics'), dataClass('identity')] };
    expect(fieldsInScope(p, 'permit', ctx)).toEqual(['name', 'nhsNumber']);
    expect(fieldsInScope(p, 'deny', ctx)).toEqual(FIELDS);
  });

  it('a class given as text only is unknown: a permit covers nothing', () => {
    expect(fieldsInScope({ class: [{ display: 'identity' }] }, 'permit', ctx)).toEqual([]);
  });
});

/** A record of the message as disclosure-facts.ts describes it. */
const record = (o: Partial<RecordFacts> & Pick<RecordFacts, 'references' | 'fields'>): RecordFacts => ({
  resourceType: 'Flag',
  refersTo: ['Patient/p1'],
  authors: [],
  timeless: false,
  codes: [],
  labels: [],
  ...o,
});
const PATIENT = record({
  references: ['Patient/p1'],
  resourceType: 'Patient',
  fields: ['name', 'nhsNumber'],
  refersTo: [],
  timeless: true,
});
const OLD_FLAG = record({
  references: ['Flag/old'],
  fields: ['riskFlags'],
  period: { start: '2020-01-01', end: '2020-02-01' },
});
const UNDATED_FLAG = record({ references: ['Flag/undated'], fields: ['riskFlags'] });
const BAD_TIME_FLAG = record({
  references: ['Flag/bad'],
  fields: ['riskFlags'],
  period: { start: 'last spring' },
});
const WARD = record({
  references: ['Encounter/e1'],
  resourceType: 'Encounter',
  fields: ['ward'],
  period: { start: '2026-11-01' },
  authors: ['Practitioner/dr1'],
});
const withRecords = (...records: RecordFacts[]): ScopeContext => ({ ...ctx, records });

describe('fieldsInScope(): dataPeriod and records of unknown time', () => {
  const recent = { dataPeriod: { start: '2026-01-01' } };

  it('a deny of recent data takes a record of unknown time; a permit of recent data does not give it', () => {
    const c = withRecords(PATIENT, UNDATED_FLAG, WARD);
    expect(fieldsInScope(recent, 'deny', c)).toEqual(['ward', 'riskFlags']);
    expect(fieldsInScope(recent, 'permit', c)).toEqual(['ward']);
  });

  it('a time the gateway cannot read counts as unknown: denied by a deny, never permitted', () => {
    const c = withRecords(PATIENT, BAD_TIME_FLAG, WARD);
    expect(fieldsInScope(recent, 'deny', c)).toEqual(['ward', 'riskFlags']);
    expect(fieldsInScope(recent, 'permit', c)).toEqual(['ward']);
  });

  it('data from before the period is outside it either way; who the person is is never data "from" a time', () => {
    const c = withRecords(PATIENT, OLD_FLAG, WARD);
    expect(fieldsInScope(recent, 'deny', c)).toEqual(['ward']);
    expect(fieldsInScope(recent, 'permit', c)).toEqual(['ward']);
  });

  it("without the message's records, a dataPeriod deny covers every field and a permit none", () => {
    expect(fieldsInScope(recent, 'deny', ctx)).toEqual(FIELDS);
    expect(fieldsInScope(recent, 'permit', ctx)).toEqual([]);
  });
});

describe('fieldsInScope(): provision.data', () => {
  const data = (meaning: string, reference?: string) => ({
    data: [{ meaning, reference: reference === undefined ? {} : { reference } }],
  });
  const c = withRecords(PATIENT, OLD_FLAG, WARD);

  it('a data entry without a reference selects nothing: a permit gives nothing', () => {
    expect(fieldsInScope(data('instance') as never, 'permit', c)).toEqual([]);
  });

  it('authoredby selects the records the named author wrote', () => {
    expect(fieldsInScope(data('authoredby', 'Practitioner/dr1') as never, 'permit', c)).toEqual(['ward']);
    expect(fieldsInScope(data('authoredby', 'Practitioner/other') as never, 'deny', c)).toEqual([]);
  });

  it('a meaning the gateway does not know selects nothing', () => {
    expect(fieldsInScope(data('sideways', 'Flag/old') as never, 'permit', c)).toEqual([]);
  });

  it('instance selects the one record it names', () => {
    expect(fieldsInScope(data('instance', 'Flag/old') as never, 'deny', c)).toEqual(['riskFlags']);
  });
});

describe('fieldsInScope(): securityLabel and the edges of a dataPeriod', () => {
  const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
  const label = (code: string) => ({ securityLabel: [{ system: CONF, code }] });
  const RESTRICTED_FLAG = record({ references: ['Flag/r'], fields: ['riskFlags'], labels: [`${CONF}|R`] });

  it('a permit of normal data does not reach a record labelled restricted', () => {
    const c = withRecords(PATIENT, RESTRICTED_FLAG, WARD);
    expect(fieldsInScope(label('N'), 'permit', c)).toEqual(['name', 'nhsNumber', 'ward']);
    expect(fieldsInScope(label('R'), 'permit', c)).toEqual(['name', 'nhsNumber', 'ward', 'riskFlags']);
  });

  it('without the records: a permit at normal or above covers every field (all the gateway sends is at most normal), at low none', () => {
    expect(fieldsInScope(label('N'), 'permit', ctx)).toEqual(FIELDS);
    expect(fieldsInScope(label('L'), 'permit', ctx)).toEqual([]);
  });

  it('a dataPeriod includes a record that ends at the very moment the period starts', () => {
    const edge = record({
      references: ['Flag/edge'],
      fields: ['riskFlags'],
      period: { end: '2026-01-01T00:00:00Z' },
    });
    const c = withRecords(PATIENT, edge, WARD);
    expect(fieldsInScope({ dataPeriod: { start: '2026-01-01T00:00:00Z' } }, 'permit', c)).toEqual([
      'ward',
      'riskFlags',
    ]);
  });
});
