/** Issue 19 item 2: every message names its cause and the fields changed since the recipient's previous version. */
import { describe, expect, it } from 'vitest';
import { changedFields, changesInJson, datasetChanges } from '../../src/mapping/dataset-changes.js';
import { changesInFhir, referralUpdateExtension } from '../../src/mapping/fhir-referral-update.js';

const admitted = { name: { text: 'Ada' }, ward: 'Lindisfarne Ward', admissionDate: '2026-11-02' };
const discharged = {
  ...admitted,
  dischargeDateTime: '2026-11-23T09:30:00Z',
  dischargeDestination: { code: '19' },
};

describe('changed fields', () => {
  it('names added, changed and removed fields, in catalogue order, and not unchanged ones', () => {
    const after = { name: { text: 'Ada' }, ward: 'Farne Ward', dischargeDateTime: '2026-11-23T09:30:00Z' };
    expect(changedFields('discharge-support', admitted, after)).toEqual([
      'ward',
      'admissionDate',
      'dischargeDateTime',
    ]);
  });

  it('compares values, not key order', () => {
    const a = { dischargeDestination: { system: 's', code: '19' } };
    const b = { dischargeDestination: { code: '19', system: 's' } };
    expect(changedFields('discharge-support', a, b)).toEqual([]);
  });
});

describe('dataset changes', () => {
  const permitted = ['name', 'ward', 'admissionDate', 'dischargeDateTime', 'dischargeDestination'] as const;

  it('a first message: against nothing, every field is new', () => {
    expect(
      datasetChanges({ type: 'discharge-support', event: 'admission', permitted, dataset: admitted }),
    ).toEqual({ sinceVersion: null, fields: ['name', 'ward', 'admissionDate'] });
  });

  it('a discharge names the discharge fields it changed, and the one the decision did not permit', () => {
    expect(
      datasetChanges({
        type: 'discharge-support',
        event: 'discharge',
        permitted,
        previous: { version: 2, dataset: admitted },
        dataset: discharged,
      }),
    ).toEqual({
      sinceVersion: 2,
      fields: ['dischargeDateTime', 'dischargeDestination'],
      notDisclosed: ['dischargeMethod'],
    });
  });

  it('a discharge the agreement allows none of the discharge fields for: no field changed, and says so', () => {
    expect(
      datasetChanges({
        type: 'discharge-support',
        event: 'discharge',
        permitted: ['name', 'ward', 'admissionDate'],
        previous: { version: 1, dataset: admitted },
        dataset: admitted,
      }),
    ).toEqual({
      sinceVersion: 1,
      fields: [],
      notDisclosed: ['dischargeDateTime', 'dischargeDestination', 'dischargeMethod'],
    });
  });

  it('a Duty to Refer lists only fields of its own dataset as not disclosed', () => {
    const out = datasetChanges({
      type: 'duty-to-refer',
      event: 'discharge',
      permitted: ['name'],
      dataset: { name: { text: 'Ada' } },
    });
    expect(out.notDisclosed).toEqual(['dischargeDateTime', 'dischargeDestination']);
  });

  it('carries over what an unread pull message said: the recipient reads only the newest', () => {
    expect(
      datasetChanges({
        type: 'discharge-support',
        event: 'discharge',
        permitted,
        previous: { version: 2, dataset: { ...admitted, ward: 'Farne Ward' } },
        dataset: discharged,
        unread: { sinceVersion: 1, fields: ['ward'] },
      }),
    ).toEqual({
      sinceVersion: 1,
      fields: ['ward', 'dischargeDateTime', 'dischargeDestination'],
      notDisclosed: ['dischargeMethod'],
    });
  });
});

describe('the changes a stored message carried', () => {
  const changes = { sinceVersion: 3, fields: ['ward' as const], notDisclosed: ['dischargeMethod' as const] };

  it('reads them back from the JSON form', () => {
    const body = JSON.stringify({ type: 'referral.updated', data: { referralId: 'r', changes } });
    expect(changesInJson(body)).toEqual(changes);
    expect(changesInJson('not json')).toBeUndefined();
  });

  it('reads them back from the FHIR form (the MessageHeader referral-update extension)', () => {
    const header = {
      resourceType: 'MessageHeader',
      extension: [
        referralUpdateExtension({ event: 'discharge', occurredAt: '2026-11-23T09:40:00Z' }, changes),
      ],
    };
    expect(changesInFhir(JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: header }] }))).toEqual(
      changes,
    );
    const first = { sinceVersion: null, fields: ['name' as const] };
    const again = {
      resourceType: 'MessageHeader',
      extension: [referralUpdateExtension({ event: 'admission', occurredAt: 'x' }, first)],
    };
    expect(changesInFhir(JSON.stringify({ entry: [{ resource: again }] }))).toEqual(first);
  });
});
