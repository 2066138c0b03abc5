/**
 * disclosureFacts() (src/consent/disclosure-facts.ts): the message as the consent rules see it —
 * how it names the recipient and the sending trust, and, per record, the dataset fields it can
 * feed, what it refers to, who wrote it, its time, its codes and its security labels.
 */
import type { FhirResource, Resource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { disclosureFacts, type RecordFacts } from '../../src/consent/disclosure-facts.js';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SCT = 'http://snomed.info/sct';
const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** A resource as a message may carry it (these are synthetic fragments, not whole R4 resources). */
type Loose = { resourceType: string } & Record<string, unknown>;
const factsOf = (resources: Record<string, Loose | FhirResource>, recipient = 'HHA01', sender = 'R9N1C') =>
  disclosureFacts(new Map(Object.entries(resources) as [string, Resource][]), recipient, sender);
const one = (r: Loose | FhirResource): RecordFacts => {
  const [record] = factsOf({ [`${r.resourceType}/x`]: r }).records ?? [];
  if (!record) throw new Error('no record');
  return record;
};
const ofType = (resourceType: string) => one({ resourceType });
const sorted = (fields: readonly DatasetField[]) => [...fields].sort();

describe('disclosureFacts(): the message as the consent rules see it', () => {
  it.each<[string, DatasetField[]]>([
    ['Patient', ['name', 'contactDetails', 'preferredContactMethod', 'language', 'nhsNumber', 'birthDate']],
    [
      'Encounter',
      [
        'admissionDate',
        'expectedDischargeDate',
        'serviceType',
        'ward',
        'keyWorker',
        'dischargeReadyDate',
        'dischargeDateTime',
        'dischargeDestination',
        'dischargeMethod',
        'housingDelayReasons',
        'wardSpecialty',
      ],
    ],
    ['Location', ['ward', 'wardSpecialty']],
    ['ServiceRequest', ['reason', 'chosenAuthority', 'referrer', 'adaptationNeeds']],
    ['Practitioner', ['referrer', 'keyWorker']],
    ['PractitionerRole', ['referrer', 'keyWorker']],
    ['Condition', ['reason', 'housingSituation', 'housingNeedCodes', 'supportNeeds']],
    [
      'Observation',
      ['reason', 'housingSituation', 'housingNeedCodes', 'tenure', 'landlordName', 'adaptationNeeds'],
    ],
    [
      'Flag',
      [
        'reason',
        'housingSituation',
        'housingNeedCodes',
        'riskFlags',
        'vulnerability',
        'accessibilityNeeds',
        'safeguardingFlags',
      ],
    ],
    ['Consent', ['consent']],
    ['Organization', []],
    ['DocumentReference', []],
  ])('a %s record can feed exactly its dataset fields', (type, fields) => {
    expect(sorted(ofType(type).fields)).toEqual(sorted(fields));
  });

  it('a person, a place, a professional and an organisation are about no time; clinical records are', () => {
    for (const t of ['Patient', 'Location', 'Practitioner', 'PractitionerRole', 'Organization'])
      expect(ofType(t).timeless).toBe(true);
    for (const t of ['Encounter', 'Condition', 'Flag', 'Observation', 'ServiceRequest', 'Consent'])
      expect(ofType(t).timeless).toBe(false);
  });

  it('who wrote a record: its author, recorder, asserter, requester or performer', () => {
    const r = one({
      resourceType: 'Observation',
      status: 'final',
      code: {},
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Practitioner/a' }, { reference: 'Practitioner/b' }],
    });
    expect(r.authors).toEqual(['Practitioner/a', 'Practitioner/b']);
    for (const k of ['author', 'recorder', 'asserter', 'requester'])
      expect(one({ resourceType: 'Flag', [k]: { reference: `Practitioner/${k}` } }).authors).toEqual([
        `Practitioner/${k}`,
      ]);
    expect(one({ resourceType: 'Flag', subject: { reference: 'Patient/p1' } }).authors).toEqual([]);
  });

  it('what a record refers to and the codes it carries, in nested elements and lists, outside meta and narrative', () => {
    const r = one({
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: SCT, code: '1156045004' }, { system: SCT }, { code: 'no-system' }] },
      evidence: [{ detail: [{ reference: 'Observation/o1' }] }],
      meta: { security: [{ system: CONF, code: 'R' }], tag: [{ system: SCT, code: 'tag-only' }] },
      // The narrative is what a reader sees, not data the gateway discloses: nothing in it counts,
      // not even an extension carrying a reference or a coding.
      text: {
        status: 'generated',
        div: '<div xmlns="http://www.w3.org/1999/xhtml"/>',
        extension: [
          { url: 'https://example.org/x', valueReference: { reference: 'Patient/p9' } },
          { url: 'https://example.org/y', valueCoding: { system: SCT, code: 'narrative-only' } },
        ],
      },
      note: [{ text: 'reference' }],
    });
    expect(r.refersTo).toEqual(['Patient/p1', 'Observation/o1']);
    expect(r.codes).toEqual([`${SCT}|1156045004`]);
    expect(r.labels).toEqual([`${CONF}|R`]);
  });

  it('a code whose system or code is not text is not a code', () => {
    const r = one({
      resourceType: 'Flag',
      code: {
        coding: [
          { system: SCT, code: 7 },
          { system: 1, code: 'x' },
        ],
      },
    });
    expect(r.codes).toEqual([]);
  });

  it('a security label needs a system and a code', () => {
    const r = one({
      resourceType: 'Flag',
      meta: { security: [{ system: CONF }, { code: 'R' }, { system: CONF, code: 'V' }] },
    });
    expect(r.labels).toEqual([`${CONF}|V`]);
    expect(ofType('Flag').labels).toEqual([]);
  });

  it('the time of a record: its period (or effectivePeriod), else the instant it was effective, recorded or authored', () => {
    expect(one({ resourceType: 'Encounter', period: { start: '2026-11-02' } }).period).toStrictEqual({
      start: '2026-11-02',
    });
    expect(one({ resourceType: 'Flag', period: { end: '2026-11-05' } }).period).toStrictEqual({
      end: '2026-11-05',
    });
    expect(
      one({
        resourceType: 'Observation',
        effectivePeriod: { start: '2026-11-01', end: '2026-11-02' },
      }).period,
    ).toStrictEqual({ start: '2026-11-01', end: '2026-11-02' });
    for (const k of [
      'effectiveDateTime',
      'onsetDateTime',
      'recordedDate',
      'authoredOn',
      'issued',
      'dateTime',
    ])
      expect(one({ resourceType: 'Observation', [k]: '2026-11-03' }).period).toStrictEqual({
        start: '2026-11-03',
        end: '2026-11-03',
      });
    // An empty period says nothing: the instant is read instead.
    expect(one({ resourceType: 'Condition', period: {}, recordedDate: '2026-11-04' }).period).toStrictEqual({
      start: '2026-11-04',
      end: '2026-11-04',
    });
    // The first of the instants, in that order.
    expect(
      one({
        resourceType: 'Condition',
        onsetDateTime: '2026-10-01',
        recordedDate: '2026-11-04',
      }).period,
    ).toStrictEqual({ start: '2026-10-01', end: '2026-10-01' });
    expect(one({ resourceType: 'Condition', recordedDate: 20261104 }).period).toBeUndefined();
    expect('period' in ofType('Condition')).toBe(false);
  });

  it('a record held under several references is one record naming all of them', () => {
    const flag = { resourceType: 'Flag', id: 'f1' };
    const f = factsOf({ 'urn:uuid:f1': flag, 'Flag/f1': flag });
    expect(f.records).toHaveLength(1);
    expect(f.records?.[0]?.references).toEqual(['urn:uuid:f1', 'Flag/f1']);
  });

  it('names the recipient and the sending trust by their Organization entries’ ODS codes, in any case', () => {
    const org = (value: string, system = ODS) => ({
      resourceType: 'Organization',
      identifier: [{ system, value }],
    });
    const f = factsOf({
      'Organization/hha': org('hha01'),
      'urn:uuid:hha': org('HHA01'),
      'Organization/trust': org('R9N1C'),
      'Organization/other': org('LTB01'),
      'Organization/wrong-system': org('HHA01', 'https://example.org/codes'),
      'Location/hha': {
        resourceType: 'Location',
        identifier: [{ system: ODS, value: 'HHA01' }],
      },
    });
    expect(f.recipientReferences).toEqual(['Organization/hha', 'urn:uuid:hha']);
    expect(f.senderReferences).toEqual(['Organization/trust']);
    expect(f.senderOds).toBe('R9N1C');
    expect(
      factsOf({
        'Organization/x': { resourceType: 'Organization', identifier: [{ system: ODS }] },
      }).recipientReferences,
    ).toEqual([]);
    expect(factsOf({ 'Organization/x': { resourceType: 'Organization' } }).recipientReferences).toEqual([]);
  });
});
