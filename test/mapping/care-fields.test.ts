/**
 * The readers of the fields about the stay, the need and the professionals
 * (src/mapping/care-fields.ts): which resources each reads, and what it leaves out.
 */
import type { Condition, Encounter, FhirResource, Flag, PractitionerRole } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import {
  readAccessibilityNeeds,
  readAdmissionDate,
  readChosenAuthority,
  readExpectedDischargeDate,
  readHospital,
  readHousingNeedCodes,
  readHousingSituation,
  readKeyWorker,
  readReason,
  readReferrer,
  readRiskFlags,
  readSafeguardingFlags,
  readServiceType,
  readSupportNeeds,
  readVulnerability,
  readWard,
} from '../../src/mapping/care-fields.js';
import { mappingContext, resourcesOf, withResources } from './mapping-context.js';
import { sampleEvent } from './sample-event.js';

const SNOMED = 'http://snomed.info/sct';
const HOMELESS = { system: SNOMED, code: '32911000', display: 'Homeless', source: 'Condition/h1' };
const AT_RISK = {
  system: SNOMED,
  code: '161068008',
  display: 'At risk of homelessness',
  source: 'Condition/h2',
};
const FLAG_CATEGORY = 'http://terminology.hl7.org/CodeSystem/flag-category';
const DATA_CLASS = 'https://homeward.example/fhir/CodeSystem/data-class';
const withEvent = (over: Parameters<typeof sampleEvent>[0]) => mappingContext(sampleEvent(over));

describe('the reason and the housing need', () => {
  it('says homeless when any need is the homeless code, else threatened with homelessness, else nothing', () => {
    expect(readReason(withEvent({ housingNeeds: [AT_RISK, HOMELESS] }))).toBe('homeless');
    expect(readReason(withEvent({ housingNeeds: [AT_RISK] }))).toBe('threatened-with-homelessness');
    expect(readReason(withEvent({ housingNeeds: [] }))).toBeUndefined();
  });

  it('carries each need coded (system and display only when present), never its source resource', () => {
    const needs = [HOMELESS, { code: '161068008', source: 'Condition/h2' }];
    expect(readHousingSituation(withEvent({ housingNeeds: needs }))).toStrictEqual({
      needs: [{ code: '32911000', system: SNOMED, display: 'Homeless' }, { code: '161068008' }],
    });
    expect(readHousingNeedCodes(withEvent({ housingNeeds: needs }))).toStrictEqual([
      { code: '32911000', system: SNOMED, display: 'Homeless' },
      { code: '161068008' },
    ]);
    expect(readHousingSituation(withEvent({ housingNeeds: [] }))).toBeUndefined();
    expect(readHousingNeedCodes(withEvent({ housingNeeds: [] }))).toBeUndefined();
  });
});

describe('the stay', () => {
  const { encounter: _, ...noEncounter } = sampleEvent();
  const withoutEncounter = () => mappingContext(noEncounter as ReturnType<typeof sampleEvent>);

  it('reads the service type, the dates (as dates only) and the sending hospital', () => {
    const ctx = mappingContext();
    expect(readServiceType(ctx)).toStrictEqual([
      { code: 'mental-health-inpatient', system: 'https://homeward.example/fhir/CodeSystem/service-type' },
    ]);
    expect(readAdmissionDate(ctx)).toBe('2026-11-02');
    expect(readExpectedDischargeDate(ctx)).toBe('2026-12-01');
    expect(readHospital(ctx)).toStrictEqual({
      odsCode: 'R9N1C',
      name: 'North Coast NHS Foundation Trust (synthetic)',
    });
  });

  it('reads nothing of a stay the message does not describe', () => {
    const ctx = withoutEncounter();
    expect(readServiceType(ctx)).toBeUndefined();
    expect(readAdmissionDate(ctx)).toBeUndefined();
    expect(readExpectedDischargeDate(ctx)).toBeUndefined();
    expect(readWard(ctx)).toBeUndefined();
    expect(readKeyWorker(ctx)).toBeUndefined();
  });

  it('names the ward from the first of the encounter locations that is a named Location', () => {
    const encounter = sampleEvent().encounter as NonNullable<ReturnType<typeof sampleEvent>['encounter']>;
    const ctx = withResources(
      [
        { resourceType: 'Location', id: 'w0' },
        { resourceType: 'Organization', id: 'o1', name: 'Not a ward' },
        { resourceType: 'Location', id: 'w2', name: 'Bamburgh Ward' },
      ],
      {
        encounter: {
          ...encounter,
          locations: ['Location/w0', 'Organization/o1', 'Location/w2', 'Location/w1'],
        },
      },
    );
    expect(readWard(ctx)).toBe('Bamburgh Ward');
    expect(readWard(withEvent({ encounter: { ...encounter, locations: ['Location/w0'] } }))).toBeUndefined();
  });
});

describe('the chosen authority', () => {
  it('says whether the person chose the recipient (named among the performers) or not', () => {
    const sr = sampleEvent().serviceRequest as NonNullable<ReturnType<typeof sampleEvent>['serviceRequest']>;
    const recipient = mappingContext().recipient;
    expect(
      readChosenAuthority(
        withEvent({ serviceRequest: { ...sr, performerOds: ['LTB01', recipient.odsCode] } }),
      ),
    ).toStrictEqual({
      odsCode: recipient.odsCode,
      name: recipient.name,
      chosenByPerson: true,
    });
    expect(
      readChosenAuthority(withEvent({ serviceRequest: { ...sr, performerOds: ['LTB01'] } })),
    ).toMatchObject({
      chosenByPerson: false,
    });
    const { serviceRequest: _, ...noRequest } = sampleEvent();
    expect(readChosenAuthority(mappingContext(noRequest as ReturnType<typeof sampleEvent>))).toMatchObject({
      chosenByPerson: false,
    });
  });
});

describe('the professionals', () => {
  const role = (over: Partial<PractitionerRole>): PractitionerRole => ({
    resourceType: 'PractitionerRole',
    id: 'ref1',
    ...over,
  });
  const referrerWith = (...resources: FhirResource[]) => readReferrer(withResources(resources));

  it('reads the referrer from their PractitionerRole and Practitioner: name, role, work phone and email, organisation', () => {
    expect(readReferrer(mappingContext())).toStrictEqual({
      name: 'Sam Synthetic-Reed',
      role: 'Discharge coordinator',
      email: 'discharge.team@nhs.example',
      organisation: 'North Coast NHS Foundation Trust (synthetic)',
    });
  });

  it("prefers the role's own contact points to the practitioner's, and takes the name's text when given", () => {
    expect(
      referrerWith(
        role({
          practitioner: { reference: 'Practitioner/pr2' },
          telecom: [{ system: 'phone', value: '0191 000 0002' }],
        }),
        {
          resourceType: 'Practitioner',
          id: 'pr2',
          name: [{ text: 'Dr Jo Synthetic', given: ['Jo'] }],
          telecom: [
            { system: 'phone', value: '07700 900777' },
            { system: 'email', value: 'jo@nhs.example' },
          ],
        },
      ),
    ).toStrictEqual({ name: 'Dr Jo Synthetic', phone: '0191 000 0002', email: 'jo@nhs.example' });
  });

  it('reads the role from its coding display when it has no text, and a name from its parts alone', () => {
    expect(
      referrerWith(
        role({
          code: [{ coding: [{ display: 'Social worker' }] }],
          practitioner: { reference: 'Practitioner/pr3' },
        }),
        { resourceType: 'Practitioner', id: 'pr3', name: [{ family: 'Synthetic-Reed' }] },
      ),
    ).toStrictEqual({ name: 'Synthetic-Reed', role: 'Social worker' });
    expect(referrerWith(role({ code: [{ coding: [{ code: 'x' }] }] }))).toStrictEqual({ role: '' });
  });

  it('takes a requester that is a Practitioner directly, and gives nothing for a role with nothing to say', () => {
    const sr = sampleEvent().serviceRequest as NonNullable<ReturnType<typeof sampleEvent>['serviceRequest']>;
    expect(
      readReferrer(withEvent({ serviceRequest: { ...sr, requester: 'Practitioner/pr1' } })),
    ).toStrictEqual({
      name: 'Sam Synthetic-Reed',
    });
    expect(referrerWith(role({}))).toBeUndefined();
    expect(readReferrer(withEvent({ serviceRequest: { ...sr, requester: undefined } }))).toBeUndefined();
  });

  it('reads the key worker from the encounter participant of type PPRF (primary performer) only', () => {
    expect(readKeyWorker(mappingContext())).toStrictEqual({
      name: 'Sam Synthetic-Reed',
      role: 'Care coordinator',
      phone: '0191 000 0001',
    });
    const ctx = withResources([
      {
        resourceType: 'Encounter',
        id: 'e1',
        status: 'in-progress',
        class: { code: 'IMP' },
        participant: [
          { individual: { reference: 'PractitionerRole/kw1' } },
          {
            type: [{ coding: [{ code: 'ATND' }] }, { text: 'no coding' }],
            individual: { reference: 'PractitionerRole/kw1' },
          },
        ],
      },
    ]);
    expect(readKeyWorker(ctx)).toBeUndefined();
  });
});

describe('flags and support needs', () => {
  const flag = (id: string, over: Partial<Flag>): Flag => ({
    resourceType: 'Flag',
    id,
    status: 'active',
    category: [{ coding: [{ system: FLAG_CATEGORY, code: 'safety' }] }],
    code: { text: `flag ${id}` },
    subject: { reference: 'Patient/p1' },
    ...over,
  });
  const condition = (id: string, over: Partial<Condition>): Condition => ({
    resourceType: 'Condition',
    id,
    code: { text: `condition ${id}` },
    subject: { reference: 'Patient/p1' },
    ...over,
  });

  it('sorts each active flag into its field by category, one text per flag', () => {
    const ctx = mappingContext();
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised']);
    expect(readVulnerability(ctx)).toEqual(['At risk of exploitation']);
    expect(readAccessibilityNeeds(ctx)).toEqual(['Wheelchair user: step-free access needed']);
    expect(readSafeguardingFlags(ctx)).toEqual(['Adult safeguarding plan in place']);
  });

  it('never discloses an inactive flag, nor one recording the housing need itself', () => {
    const ctx = withResources([
      flag('f8', { status: 'inactive' }),
      flag('f9', { code: { coding: [{ system: SNOMED, code: '32911000', display: 'Homeless' }] } }),
    ]);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised']);
  });

  it('reads a flag by its coding display when it has no text, and drops one with neither', () => {
    const ctx = withResources([
      flag('f8', { code: { coding: [{ code: 'x1', display: 'Dog on premises' }] } }),
      flag('f9', { code: { coding: [{ code: 'x2' }] } }),
    ]);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised', 'Dog on premises']);
  });

  it("takes safeguarding flags only under the gateway's data-class system; other categories from any system", () => {
    const ctx = withResources([
      flag('f8', { category: [{ coding: [{ system: 'https://example.org/other', code: 'safeguarding' }] }] }),
      flag('f9', { category: [{ coding: [{ system: 'https://example.org/other', code: 'safety' }] }] }),
      flag('f10', { category: [{ coding: [{ system: DATA_CLASS, code: 'safeguarding' }] }] }),
    ]);
    expect(readSafeguardingFlags(ctx)).toEqual(['Adult safeguarding plan in place', 'flag f10']);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised', 'flag f9']);
  });

  it('gives no flag field when no flag of its category is active', () => {
    const event = sampleEvent();
    for (const id of ['Flag/f1', 'Flag/f2', 'Flag/f3', 'Flag/f4']) resourcesOf(event).delete(id);
    const ctx = mappingContext(event);
    expect([
      readRiskFlags(ctx),
      readVulnerability(ctx),
      readAccessibilityNeeds(ctx),
      readSafeguardingFlags(ctx),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('lists active (or unstated) conditions other than the housing need as support needs, by text', () => {
    const ctx = withResources([
      condition('c2', { clinicalStatus: { coding: [{ code: 'resolved' }] } }),
      condition('c3', {}),
      condition('c4', { code: { coding: [{ system: SNOMED, code: '32911000', display: 'Homeless' }] } }),
      condition('c5', { code: { coding: [{ code: 'x', display: 'Diabetes' }] } }),
      condition('c6', { code: { coding: [{ code: 'y' }] } }),
      condition('c7', { clinicalStatus: { coding: [{ code: 'inactive' }, { code: 'active' }] } }),
      { resourceType: 'Condition', id: 'c8', subject: { reference: 'Patient/p1' } },
    ]);
    expect(readSupportNeeds(ctx)).toEqual([
      'Needs support with medication',
      'condition c3',
      'Diabetes',
      'condition c7',
    ]);
    const event = sampleEvent();
    resourcesOf(event).delete('Condition/c1');
    expect(readSupportNeeds(mappingContext(event))).toBeUndefined();
  });
});

// Elements a message may leave out, and lists with more than one entry: each reader gives what
// is there and never throws on what is missing (issue 18: the survivors of mutation testing).
describe('readers with elements missing or several codings', () => {
  const role = (over: Partial<PractitionerRole>): PractitionerRole => ({
    resourceType: 'PractitionerRole',
    id: 'ref1',
    ...over,
  });
  const referrerWith = (...resources: FhirResource[]) => readReferrer(withResources(resources));
  const encounter = (participant: NonNullable<Encounter['participant']> | undefined): Encounter => ({
    resourceType: 'Encounter',
    id: 'e1',
    status: 'in-progress',
    class: { code: 'IMP' },
    ...(participant ? { participant } : {}),
  });
  const flag = (id: string, over: Partial<Flag>): Flag => ({
    resourceType: 'Flag',
    id,
    status: 'active',
    category: [{ coding: [{ system: FLAG_CATEGORY, code: 'safety' }] }],
    code: { text: `flag ${id}` },
    subject: { reference: 'Patient/p1' },
    ...over,
  });

  it('a practitioner without a name still gives their work phone; a name of given names alone has no trailing space', () => {
    expect(
      referrerWith(role({ practitioner: { reference: 'Practitioner/pr4' } }), {
        resourceType: 'Practitioner',
        id: 'pr4',
        telecom: [{ system: 'phone', value: '0191 000 0004' }],
      }),
    ).toStrictEqual({ phone: '0191 000 0004' });
    expect(
      referrerWith(role({ practitioner: { reference: 'Practitioner/pr5' } }), {
        resourceType: 'Practitioner',
        id: 'pr5',
        name: [{ given: ['Jo', 'Ann'] }],
      }),
    ).toStrictEqual({ name: 'Jo Ann' });
  });

  it('a role coded without a coding, or with an empty one, is an empty role, never an error', () => {
    expect(referrerWith(role({ code: [{}] }))).toStrictEqual({ role: '' });
    expect(referrerWith(role({ code: [{ coding: [] }] }))).toStrictEqual({ role: '' });
  });

  it('the phone is the first phone contact point, the email the first email, whatever comes first', () => {
    expect(
      referrerWith(
        role({
          practitioner: { reference: 'Practitioner/pr6' },
          telecom: [{ system: 'email', value: 'team@nhs.example' }],
        }),
        { resourceType: 'Practitioner', id: 'pr6', telecom: [{ system: 'phone', value: '0191 000 0006' }] },
      ),
    ).toStrictEqual({ phone: '0191 000 0006', email: 'team@nhs.example' });
  });

  it('no referrer when the message has no ServiceRequest', () => {
    const { serviceRequest: _, ...noRequest } = sampleEvent();
    expect(readReferrer(mappingContext(noRequest as ReturnType<typeof sampleEvent>))).toBeUndefined();
  });

  it('no key worker for an encounter without participants, or a PPRF participant without an individual', () => {
    expect(readKeyWorker(withResources([encounter(undefined)]))).toBeUndefined();
    expect(
      readKeyWorker(withResources([encounter([{ type: [{ coding: [{ code: 'PPRF' }] }] }])])),
    ).toBeUndefined();
  });

  it('a participant typed PPRF among other types, or coded PPRF among other codings, is the key worker', () => {
    const kw = { individual: { reference: 'PractitionerRole/kw1' } };
    const expected = readKeyWorker(mappingContext());
    expect(expected).toBeDefined();
    expect(
      readKeyWorker(
        withResources([
          encounter([{ ...kw, type: [{ coding: [{ code: 'PPRF' }] }, { coding: [{ code: 'ATND' }] }] }]),
        ]),
      ),
    ).toStrictEqual(expected);
    expect(
      readKeyWorker(
        withResources([encounter([{ ...kw, type: [{ coding: [{ code: 'ATND' }, { code: 'PPRF' }] }] }])]),
      ),
    ).toStrictEqual(expected);
  });

  it('a flag whose code has neither text nor a usable coding is dropped, never an error', () => {
    const ctx = withResources([flag('f8', { code: {} }), flag('f9', { code: { coding: [] } })]);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised']);
  });

  it('only Flag resources are flags: an active ServiceRequest in the safety category is not one', () => {
    const request = {
      resourceType: 'ServiceRequest',
      id: 'sr9',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: FLAG_CATEGORY, code: 'safety' }] }],
      code: { text: 'not a flag' },
      subject: { reference: 'Patient/p1' },
    } as FhirResource;
    expect(readRiskFlags(withResources([request]))).toEqual(['Lone visits not advised']);
  });

  it('a flag without a category is in no field; one in several categories, or coded several ways, is in each', () => {
    const { category: _, ...uncategorised } = flag('f8', {});
    const ctx = withResources([
      uncategorised as Flag,
      flag('f9', {
        category: [
          { text: 'uncoded' },
          { coding: [{ system: FLAG_CATEGORY, code: 'safety' }] },
          { coding: [{ system: FLAG_CATEGORY, code: 'behavioral' }] },
        ],
      }),
      flag('f10', {
        category: [{ coding: [{ system: 'https://example.org/local', code: 'x' }, { code: 'contact' }] }],
      }),
    ]);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised', 'flag f9']);
    expect(readVulnerability(ctx)).toEqual(['At risk of exploitation', 'flag f9']);
    expect(readAccessibilityNeeds(ctx)).toEqual(['Wheelchair user: step-free access needed', 'flag f10']);
  });

  it('a flag or a condition carrying the housing need among other codings is still the housing need, never disclosed as such', () => {
    const housingAndMore = {
      coding: [
        { system: SNOMED, code: '32911000', display: 'Homeless' },
        { system: SNOMED, code: '1234', display: 'Something else' },
      ],
    };
    const ctx = withResources([
      flag('f8', { code: housingAndMore }),
      { resourceType: 'Condition', id: 'c9', code: housingAndMore, subject: { reference: 'Patient/p1' } },
    ]);
    expect(readRiskFlags(ctx)).toEqual(['Lone visits not advised']);
    expect(readSupportNeeds(ctx)).toEqual(['Needs support with medication']);
  });

  it('a condition whose clinical status has no coding counts as active (unstated)', () => {
    const ctx = withResources([
      {
        resourceType: 'Condition',
        id: 'c9',
        clinicalStatus: { text: 'current' },
        code: { text: 'Asthma' },
        subject: { reference: 'Patient/p1' },
      },
    ]);
    expect(readSupportNeeds(ctx)).toEqual(['Needs support with medication', 'Asthma']);
  });
});
