/**
 * The home adaptation readers (issue 19 item 6): tenure from our code or a SNOMED CT finding,
 * the landlord from the tenure record only, the assessed needs from Observations and the
 * ServiceRequest, void records ignored; and the two CodeSystems are valid R4.
 */
import type { FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import {
  ADAPTATION_NEED_SYSTEM,
  adaptationNeedCodeSystem,
  HOME_RECORD_SYSTEM,
  TENURE_SYSTEM,
  tenureCodeSystem,
} from '../../src/fhir/home-adaptation-codes.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import { assertDataset, compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { fhirReferral } from '../../src/mapping/fhir-referral.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
const validators = compileDatasetSchemas('profiles');
const FIELDS = ['tenure', 'landlordName', 'adaptationNeeds'] as const;

function withRecords(records: FhirResource[], over: Partial<ParsedEvent> = {}): ParsedEvent {
  const event = sampleEvent(over);
  const map = event.resources as Map<string, FhirResource>;
  for (const r of records) map.set(`${r.resourceType}/${r.id}`, r);
  return event;
}

function read(event: ParsedEvent) {
  const { dataset } = buildDataset({
    event,
    sender: registry.partner('riverside-trust') as never,
    recipient: registry.partner('tyne-care-and-repair') as never,
    decision: {
      outcome: 'permit',
      recipient: 'tyne-care-and-repair',
      agreement: { id: 'a', version: 1, sha256: 'x' },
      referralType: 'home-adaptation',
      purpose: 'home-adaptation',
      lawfulBasis: { article6: '6(1)(e)', article9: '9(2)(h)', basis: 'explicit-consent' },
      fields: [...FIELDS],
      consents: [],
      reasons: [],
    },
  });
  assertDataset(validators, 'home-adaptation', dataset);
  return dataset;
}

const observation = (id: string, o: Record<string, unknown>): FhirResource =>
  ({
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: 'Patient/p1' },
    ...o,
  }) as FhirResource;
const tenureRecord = (
  id: string,
  value: { system: string; code: string },
  landlord?: string,
  status = 'final',
) =>
  observation(id, {
    status,
    code: { coding: [{ system: HOME_RECORD_SYSTEM, code: 'tenure' }] },
    valueCodeableConcept: { coding: [value] },
    ...(landlord
      ? {
          component: [
            { code: { coding: [{ system: HOME_RECORD_SYSTEM, code: 'landlord' }] }, valueString: landlord },
          ],
        }
      : {}),
  });
const need = (id: string, code: string, status = 'final') =>
  observation(id, { status, code: { coding: [{ system: ADAPTATION_NEED_SYSTEM, code }] } });

describe('home adaptation fields', () => {
  it('reads tenure and landlord from the tenure record', () => {
    const d = read(
      withRecords([
        tenureRecord('t1', { system: TENURE_SYSTEM, code: 'social-rented' }, ' Synthetic Homes HA '),
      ]),
    );
    expect(d.tenure).toEqual({ system: TENURE_SYSTEM, code: 'social-rented', display: 'Social rented' });
    expect(d.landlordName).toBe('Synthetic Homes HA');
  });

  it('maps a SNOMED CT accommodation tenure finding, as a value or as the code itself', () => {
    const privateLandlord = { system: 'http://snomed.info/sct', code: '160940004' };
    expect(read(withRecords([tenureRecord('t1', privateLandlord)])).tenure).toMatchObject({
      code: 'private-rented',
    });
    const finding = observation('o1', {
      code: { coding: [{ system: 'http://snomed.info/sct', code: '160938009' }] },
    });
    expect(read(withRecords([finding])).tenure).toMatchObject({ code: 'social-rented' });
  });

  it('ignores void records, unknown codes, and a landlord outside a tenure record', () => {
    const d = read(
      withRecords([
        tenureRecord('t1', { system: TENURE_SYSTEM, code: 'owner-occupier' }, 'Someone', 'entered-in-error'),
        tenureRecord('t2', { system: TENURE_SYSTEM, code: 'castle' }),
        need('n1', 'hazards', 'cancelled'),
        need('n2', 'moat'),
        observation('o3', {
          code: { coding: [{ system: 'http://loinc.org', code: '71802-3' }] },
          component: [
            { code: { coding: [{ system: HOME_RECORD_SYSTEM, code: 'landlord' }] }, valueString: 'X' },
          ],
        }),
      ]),
    );
    expect(d).not.toHaveProperty('tenure');
    expect(d).not.toHaveProperty('landlordName');
    expect(d).not.toHaveProperty('adaptationNeeds');
  });

  it('collects needs from Observations and the ServiceRequest, once each, in the CodeSystem order', () => {
    const event = withRecords([need('n1', 'stairs'), need('n2', 'bathing'), need('n3', 'stairs')]);
    const d = read({
      ...event,
      serviceRequest: {
        reference: 'ServiceRequest/sr1',
        status: 'active',
        intent: 'order',
        priority: 'urgent',
        performerOds: [],
        performers: [],
        reasonCodes: [{ system: ADAPTATION_NEED_SYSTEM, code: 'heating' }],
        referralType: 'home-adaptation',
      },
    });
    expect((d.adaptationNeeds as Array<{ code: string }>).map((n) => n.code)).toEqual([
      'bathing',
      'stairs',
      'heating',
    ]);
  });

  it('publishes both code lists as valid R4 CodeSystems', () => {
    for (const cs of [tenureCodeSystem('1.0.0'), adaptationNeedCodeSystem('1.0.0')]) {
      expect(r4Errors(cs)).toEqual([]);
    }
    expect(tenureCodeSystem('1').concept?.map((c) => c.code)).toEqual([
      'owner-occupier',
      'private-rented',
      'social-rented',
    ]);
    expect(adaptationNeedCodeSystem('1').concept?.map((c) => c.code)).toEqual([
      'access',
      'bathing',
      'stairs',
      'heating',
      'hazards',
    ]);
  });

  it('carries them in the FHIR form as the Observations the gateway reads, valid R4', () => {
    const dataset = read(
      withRecords([
        tenureRecord('t1', { system: TENURE_SYSTEM, code: 'private-rented' }, 'Synthetic Lettings'),
        need('n1', 'access'),
      ]),
    );
    const bundle = fhirReferral({
      referralId: 'ref-1',
      kind: 'referral',
      cause: { event: 'referral-request', occurredAt: '2026-11-23T10:00:00Z' },
      changes: { sinceVersion: null, fields: [] },
      type: 'home-adaptation',
      priority: 'stat',
      at: new Date('2026-11-23T10:00:00Z'),
      sender: { odsCode: 'R9R2V', name: 'Riverside' },
      recipient: { odsCode: 'CRT01', name: 'Care & Repair' },
      gatewayEndpoint: 'https://homeward.example/fhir',
      dataset,
    });
    expect(r4Errors(bundle)).toEqual([]);
    const records = (bundle.entry ?? [])
      .map((e) => e.resource as FhirResource)
      .filter((r) => r.resourceType === 'Observation');
    // Read back by the same readers: what the agency receives is what the trust sent.
    expect(read(withRecords(records.map((r, i) => ({ ...r, id: `x${i}` }) as FhirResource)))).toEqual(
      dataset,
    );
  });
});
