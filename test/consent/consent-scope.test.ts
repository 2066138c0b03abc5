/**
 * Issue 17 item 2, rule by rule: what a Consent provision is about (`data`, `dataPeriod`,
 * `class`, `code`, `securityLabel`), which permits count as consent to this disclosure (the
 * recipient and the purpose named, disclosure allowed), the base policy, actors by message
 * reference and custodian, and deny-overrides in either order. Each case pins one rule, with
 * its boundaries, so that a mutation of the rule fails a case.
 */
import type { Consent, ConsentProvision, FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { decide } from '../../src/consent/decide.js';
import { type DisclosureFacts, disclosureFacts } from '../../src/consent/disclosure-facts.js';
import type { ReasonCode } from '../../src/consent/types.js';
import { decideFor } from '../../src/pipeline/process-event.js';
import { sampleEvent } from '../mapping/sample-event.js';
import {
  actor,
  consent,
  DISCHARGE,
  DTR,
  dataClass,
  dischargeEvent,
  input,
  permitFor,
  purpose,
  registry,
} from './builders.js';

const HHA = 'HHA01';
const TRUST_ODS = 'R9N1C';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SCT = 'http://snomed.info/sct';
const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
const ACTION = 'http://terminology.hl7.org/CodeSystem/consentaction';

/** The records of a synthetic admission, by reference (`Type/id`). */
const RESOURCES: FhirResource[] = [
  { resourceType: 'Patient', id: 'p1', name: [{ family: 'Synthetic-Fenwick' }] },
  {
    resourceType: 'Encounter',
    id: 'e1',
    status: 'in-progress',
    class: { code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    period: { start: '2026-11-02T09:15:00Z' },
    location: [{ location: { reference: 'Location/w1' } }],
    participant: [{ individual: { reference: 'PractitionerRole/kw1' } }],
  },
  { resourceType: 'Location', id: 'w1', name: 'Lindisfarne Ward' },
  { resourceType: 'PractitionerRole', id: 'kw1', practitioner: { reference: 'Practitioner/pr1' } },
  { resourceType: 'Practitioner', id: 'pr1' },
  {
    resourceType: 'Flag',
    id: 'f1',
    status: 'active',
    code: { text: 'Lone visits not advised' },
    subject: { reference: 'Patient/p1' },
    author: { reference: 'Practitioner/pr1' },
    period: { start: '2026-11-05' },
  },
  {
    resourceType: 'Flag',
    id: 'f2',
    meta: { security: [{ system: ACT, code: 'HIV' }] },
    status: 'active',
    code: { text: 'Needs a support worker present' },
    subject: { reference: 'Patient/p1' },
    period: { start: '2026-01-10', end: '2026-02-01' },
  },
  {
    resourceType: 'Condition',
    id: 'c1',
    code: { coding: [{ system: SCT, code: '1156045004' }] },
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    recordedDate: '2026-11-03',
  },
  {
    resourceType: 'Organization',
    id: 'org-hha',
    identifier: [{ system: ODS, value: HHA }],
  },
  {
    resourceType: 'Organization',
    id: 'org-trust',
    identifier: [{ system: ODS, value: TRUST_ODS }],
  },
];
const FACTS = disclosureFacts(
  new Map(RESOURCES.map((r) => [`${r.resourceType}/${r.id}`, r])),
  HHA,
  TRUST_ODS,
);

const ALL =
  registry.versions('dsa-north-coast-homestead-discharge').find((a) => a.version === 2)?.fields ?? [];
const PATIENT_FIELDS = [
  'name',
  'contactDetails',
  'preferredContactMethod',
  'language',
  'nhsNumber',
  'birthDate',
];
const FLAG_FIELDS = [
  'reason',
  'housingSituation',
  'housingNeedCodes',
  'riskFlags',
  'vulnerability',
  'accessibilityNeeds',
];
const CONDITION_FIELDS = ['reason', 'housingSituation', 'housingNeedCodes', 'supportNeeds'];
const ENCOUNTER_FIELDS = [
  'admissionDate',
  'expectedDischargeDate',
  'serviceType',
  'ward',
  'keyWorker',
  // Discharge data (issue 19 item 2) is read from the Encounter too.
  'dischargeReadyDate',
  'dischargeDateTime',
  'dischargeDestination',
  'dischargeMethod',
  'housingDelayReasons',
  'wardSpecialty',
];
const MENTAL_HEALTH_FIELDS = [
  'serviceType',
  'ward',
  'supportNeeds',
  'riskFlags',
  'wardSpecialty',
  'dischargeDestination',
  'dischargeMethod',
];
const without = (...gone: string[][]) => ALL.filter((f) => !gone.flat().includes(f));

/** The usual consent (Homestead, discharge support), with exceptions nested under it. */
const permitWith = (...exceptions: ConsentProvision[]) =>
  permitFor(HHA, DISCHARGE, { provision: exceptions });
const deny = (p: Omit<ConsentProvision, 'type'>): ConsentProvision => ({ type: 'deny', ...p });
const data = (meaning: 'instance' | 'related' | 'dependents' | 'authoredby', reference: string) => ({
  data: [{ meaning, reference: { reference } }],
});
const byRef = (reference: string, role = 'IRCP') => ({
  role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: role }] },
  reference: { reference },
});

interface Case {
  name: string;
  consents: Consent[];
  facts?: DisclosureFacts | 'none';
  outcome: 'permit' | 'withhold';
  reasons: ReasonCode[];
  /** Exactly the fields disclosed, for a permit. */
  fields?: readonly string[];
}

const cases: Case[] = [
  // --- which permits are consent to this disclosure
  {
    name: 'a permit naming the recipient but no purpose is not consent to this disclosure',
    consents: [consent({ provision: { type: 'permit', actor: [actor(HHA)] } })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit naming the purpose but no recipient is not consent to this disclosure',
    consents: [consent({ provision: { type: 'permit', purpose: [purpose(DISCHARGE)] } })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit with a data class but no recipient or purpose is not consent',
    consents: [consent({ provision: { type: 'permit', class: [dataClass('identity')] } })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'the recipient named by the root and the purpose by a nested permit together are consent',
    consents: [
      consent({
        provision: {
          type: 'permit',
          actor: [actor(HHA)],
          provision: [{ type: 'permit', purpose: [purpose(DISCHARGE)] }],
        },
      }),
    ],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a permit of read access only is not consent to disclose',
    consents: [permitFor(HHA, DISCHARGE, { action: [{ coding: [{ system: ACTION, code: 'access' }] }] })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit whose actions include disclose is consent',
    consents: [
      permitFor(HHA, DISCHARGE, {
        action: [
          { coding: [{ system: ACTION, code: 'access' }] },
          { coding: [{ system: ACTION, code: 'disclose' }] },
        ],
      }),
    ],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a permit nested in a provision limited to read access does not allow disclosure',
    consents: [
      consent({
        provision: {
          type: 'deny',
          action: [{ coding: [{ system: ACTION, code: 'access' }] }],
          provision: [{ type: 'permit', actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] }],
        },
      }),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny of read access still withholds a disclosure',
    consents: [
      permitFor(HHA, DISCHARGE),
      consent({ provision: { type: 'deny', action: [{ coding: [{ system: ACTION, code: 'access' }] }] } }),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  // --- deny overrides permit, in any order
  {
    name: 'a deny then a permit (two consents): deny overrides',
    consents: [consent({ provision: { type: 'deny', actor: [actor(HHA)] } }), permitFor(HHA, DISCHARGE)],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'sibling exceptions, deny before permit: the mental health fields stay out',
    consents: [
      permitWith(deny({ class: [dataClass('mental-health')] }), {
        type: 'permit',
        class: [dataClass('mental-health')],
      }),
    ],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(MENTAL_HEALTH_FIELDS),
  },
  {
    name: 'sibling exceptions, permit before deny: the mental health fields stay out',
    consents: [
      permitWith(
        { type: 'permit', class: [dataClass('mental-health')] },
        deny({ class: [dataClass('mental-health')] }),
      ),
    ],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(MENTAL_HEALTH_FIELDS),
  },
  // --- the base policy (policyRule) and a root provision without a type
  {
    name: 'OPTOUT with an explicit permitting root for this recipient and purpose permits',
    consents: [
      consent({
        policyRule: 'OPTOUT',
        provision: { type: 'permit', actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] },
      }),
    ],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'OPTOUT whose only exception is for another recipient denies everything',
    consents: [
      consent({
        policyRule: 'OPTOUT',
        provision: { type: 'permit', actor: [actor('LTB01')], purpose: [purpose(DTR)] },
      }),
      permitFor(HHA, DISCHARGE),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'OPTIN with a typeless root naming this recipient: the root is the exception, a deny',
    consents: [
      consent({ policyRule: 'OPTIN', provision: { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] } }),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'OPTOUT with a typeless root naming this recipient is never read as a permit',
    consents: [
      consent({ policyRule: 'OPTOUT', provision: { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] } }),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'no policy rule and a typeless root naming this recipient and purpose permits',
    consents: [consent({ provision: { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] } })],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  // --- actors by message reference and by role
  {
    name: 'a permit naming the recipient by a reference to its Organization in the message',
    consents: [
      consent({
        provision: { type: 'permit', actor: [byRef('Organization/org-hha')], purpose: [purpose(DISCHARGE)] },
      }),
    ],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a permit naming another organisation by reference does not cover this recipient',
    consents: [
      consent({
        provision: {
          type: 'permit',
          actor: [byRef('Organization/org-trust')],
          purpose: [purpose(DISCHARGE)],
        },
      }),
    ],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a deny naming the sending trust as custodian (CST) withholds its data from every recipient',
    consents: [
      permitFor(HHA, DISCHARGE),
      consent({ provision: { type: 'deny', actor: [actor(TRUST_ODS, 'CST')] } }),
    ],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny naming another custodian does not withhold this trust’s data',
    consents: [
      permitFor(HHA, DISCHARGE),
      consent({ provision: { type: 'deny', actor: [actor('RXX99', 'CST')] } }),
    ],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a permit also naming another trust as author does not cover this trust’s data',
    consents: [permitFor(HHA, DISCHARGE, { actor: [actor(HHA), actor('RXX99', 'AUT')] })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit naming an actor in a role the gateway does not know does not count',
    consents: [permitFor(HHA, DISCHARGE, { actor: [actor(HHA), actor('ZZZ99', 'GUARD')] })],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'without the message’s facts, a deny naming an actor by reference is taken to be this recipient',
    consents: [
      permitFor(HHA, DISCHARGE),
      consent({ provision: { type: 'deny', actor: [byRef('Organization/x')] } }),
    ],
    facts: 'none',
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  // --- provision.data
  {
    name: 'a permit limited to one DocumentReference is not permission to share the referral dataset',
    consents: [permitFor(HHA, DISCHARGE, data('instance', 'DocumentReference/d1'))],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a deny limited to a record the referral does not carry does not withhold',
    consents: [permitWith(deny(data('instance', 'Task/example3')))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a deny of one carried Flag removes every field a Flag can feed',
    consents: [permitWith(deny(data('instance', 'Flag/f1')))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'a deny of the Patient record cannot be separated from the referral: withheld',
    consents: [permitWith(deny(data('instance', 'Patient/p1')))],
    outcome: 'withhold',
    reasons: ['dataset-below-minimum'],
  },
  {
    name: 'related: the Encounter and what it refers to (ward, key worker), not the person',
    consents: [permitWith(deny(data('related', 'Encounter/e1')))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(ENCOUNTER_FIELDS, ['referrer']),
  },
  {
    name: 'dependents: the Encounter and the records that refer to it (the Condition)',
    consents: [permitWith(deny(data('dependents', 'Encounter/e1')))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(ENCOUNTER_FIELDS, CONDITION_FIELDS),
  },
  {
    name: 'authoredby: the records a practitioner wrote (Flag f1)',
    consents: [permitWith(deny(data('authoredby', 'Practitioner/pr1')))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'a permit limited to the Patient record permits its fields only (and the consent)',
    consents: [permitFor(HHA, DISCHARGE, data('instance', 'Patient/p1'))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: ALL.filter((f) => PATIENT_FIELDS.includes(f) || f === 'consent'),
  },
  {
    name: 'a permit of one of two Flags permits no Flag field (the other Flag would go too)',
    consents: [
      permitFor(HHA, DISCHARGE, {
        data: [
          { meaning: 'instance', reference: { reference: 'Patient/p1' } },
          { meaning: 'instance', reference: { reference: 'Flag/f1' } },
        ],
      }),
    ],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: ALL.filter((f) => PATIENT_FIELDS.includes(f) || f === 'consent'),
  },
  {
    name: 'without the message’s records, a deny limited to data withholds everything',
    consents: [permitWith(deny(data('instance', 'Task/example3')))],
    facts: 'none',
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'without the message’s records, a permit limited to data permits nothing',
    consents: [permitFor(HHA, DISCHARGE, data('instance', 'Patient/p1'))],
    facts: 'none',
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  // --- provision.dataPeriod (Flag f2 is from 2026-01-10 to 2026-02-01)
  {
    name: 'dataPeriod ending on the day the record starts covers it (whole-day precision)',
    consents: [permitWith(deny({ dataPeriod: { start: '2025-12-01', end: '2026-01-10' } }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'dataPeriod ending the day before the record starts does not cover it',
    consents: [permitWith(deny({ dataPeriod: { start: '2025-12-01', end: '2026-01-09' } }))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'dataPeriod ending at the instant the record starts covers it',
    consents: [permitWith(deny({ dataPeriod: { end: '2026-01-10T00:00:00Z' } }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'dataPeriod ending a second before the record starts does not cover it',
    consents: [permitWith(deny({ dataPeriod: { end: '2026-01-09T23:59:59Z' } }))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'dataPeriod starting on the day the record ends covers it',
    consents: [permitWith(deny({ dataPeriod: { start: '2026-02-01', end: '2026-03-01' } }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'dataPeriod starting the day after the record ends does not cover it',
    consents: [permitWith(deny({ dataPeriod: { start: '2026-02-02', end: '2026-03-01' } }))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'dataPeriod of a month (2026-11) covers the stay’s records but not who the person is',
    consents: [permitWith(deny({ dataPeriod: { start: '2026-11', end: '2026-11' } }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS, CONDITION_FIELDS, ENCOUNTER_FIELDS),
  },
  {
    name: 'without the message’s records, a deny limited by dataPeriod withholds everything',
    consents: [permitWith(deny({ dataPeriod: { start: '2015-01-01', end: '2015-02-01' } }))],
    facts: 'none',
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  // --- securityLabel, code and class
  {
    name: 'a deny of normal (N) confidentiality covers all the data the gateway sends',
    consents: [permitWith(deny({ securityLabel: [{ system: CONF, code: 'N' }] }))],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny of low (L) confidentiality covers none of it (a high-water mark)',
    consents: [permitWith(deny({ securityLabel: [{ system: CONF, code: 'L' }] }))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a deny of a label one record carries (HIV on Flag f2) removes what that record feeds',
    consents: [permitWith(deny({ securityLabel: [{ system: ACT, code: 'HIV' }] }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'without the message’s records, a deny of a label the gateway cannot map withholds',
    consents: [permitWith(deny({ securityLabel: [{ system: ACT, code: 'HIV' }] }))],
    facts: 'none',
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny of a code one record carries (the Condition) removes what it feeds',
    consents: [permitWith(deny({ code: [{ coding: [{ system: SCT, code: '1156045004' }] }] }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(CONDITION_FIELDS),
  },
  {
    name: 'a deny of a code no record carries does not withhold',
    consents: [permitWith(deny({ code: [{ coding: [{ system: SCT, code: '22298006' }] }] }))],
    outcome: 'permit',
    reasons: [],
    fields: ALL,
  },
  {
    name: 'a deny of a code given as text only withholds (the gateway cannot match it)',
    consents: [permitWith(deny({ code: [{ text: 'anything about my past' }] }))],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny of a resource type (Flag) removes the fields Flags feed',
    consents: [permitWith(deny({ class: [{ system: RESOURCE_TYPES, code: 'Flag' }] }))],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(FLAG_FIELDS),
  },
  {
    name: 'a permit of a resource type (Patient) permits its fields only',
    consents: [permitFor(HHA, DISCHARGE, { class: [{ system: RESOURCE_TYPES, code: 'Patient' }] })],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: ALL.filter((f) => PATIENT_FIELDS.includes(f) || f === 'consent'),
  },
  {
    name: 'class and securityLabel narrow each other: identity data labelled PSY is nothing',
    consents: [
      permitFor(HHA, DISCHARGE, {
        class: [dataClass('identity')],
        securityLabel: [{ system: ACT, code: 'PSY' }],
      }),
    ],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'within one kind, codes are or-ed: identity or contact',
    consents: [permitFor(HHA, DISCHARGE, { class: [dataClass('identity'), dataClass('contact')] })],
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: ['name', 'contactDetails', 'preferredContactMethod', 'consent', 'nhsNumber', 'birthDate'],
  },
  {
    name: 'a deny of the consent record itself keeps the consent field out',
    consents: [permitWith(deny({ class: [{ system: RESOURCE_TYPES, code: 'Consent' }] }))],
    facts: 'none',
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    fields: without(['consent']),
  },
];

describe('consent scope: what a provision is about and which permits count (issue 17 item 2)', () => {
  it.each(cases)('$name', (c) => {
    const facts = c.facts === 'none' ? undefined : (c.facts ?? FACTS);
    const d = decide(input('homegroup-discharge', dischargeEvent, c.consents, facts ? { facts } : {}));
    expect(d.outcome).toBe(c.outcome);
    expect(d.reasons.map((r) => r.code)).toEqual(c.reasons);
    if (d.outcome === 'permit' && c.fields) expect([...d.fields].sort()).toEqual([...c.fields].sort());
  });

  it('the order of consents never changes a decision', () => {
    for (const c of cases.filter((x) => x.consents.length > 1)) {
      const facts = c.facts === 'none' ? undefined : FACTS;
      const i = input(
        'homegroup-discharge',
        dischargeEvent,
        [...c.consents].reverse(),
        facts ? { facts } : {},
      );
      const d = decide(i);
      expect([c.name, d.outcome, d.reasons.map((r) => r.code)]).toEqual([c.name, c.outcome, c.reasons]);
    }
  });
});

describe('disclosureFacts(): the message as the consent rules see it', () => {
  const record = (ref: string) => FACTS.records?.find((r) => r.references.includes(ref));

  it('names the recipient and the trust by their Organization entries', () => {
    expect(FACTS.recipientReferences).toEqual(['Organization/org-hha']);
    expect(FACTS.senderReferences).toEqual(['Organization/org-trust']);
    expect(FACTS.senderOds).toBe(TRUST_ODS);
  });

  it('reads each record’s fields, references, authors, time, codes and labels', () => {
    expect(record('Flag/f1')).toMatchObject({
      resourceType: 'Flag',
      authors: ['Practitioner/pr1'],
      period: { start: '2026-11-05' },
      timeless: false,
    });
    expect(record('Flag/f1')?.refersTo).toEqual(expect.arrayContaining(['Patient/p1', 'Practitioner/pr1']));
    expect(record('Flag/f2')?.labels).toEqual([`${ACT}|HIV`]);
    expect(record('Condition/c1')).toMatchObject({ period: { start: '2026-11-03', end: '2026-11-03' } });
    expect(record('Condition/c1')?.codes).toEqual([`${SCT}|1156045004`]);
    expect(record('Patient/p1')).toMatchObject({ timeless: true, fields: PATIENT_FIELDS });
    expect(record('Organization/org-hha')?.fields).toEqual([]);
  });

  it('the pipeline decides with the message’s facts: a deny of one Flag in the message narrows', () => {
    const base = sampleEvent();
    const cons = base.consents[0] as Consent;
    const event = sampleEvent({
      consents: [
        { ...cons, provision: { ...cons.provision, provision: [deny(data('instance', 'Flag/f1'))] } },
      ],
    });
    const homestead = registry.partner('homegroup-discharge');
    if (!homestead) throw new Error('sample registry changed');
    const d = decideFor(registry, event, homestead, new Date('2026-11-23T10:00:00Z'));
    expect(d.outcome).toBe('permit');
    expect(d.reasons.map((r) => r.code)).toEqual(['fields-narrowed-by-consent']);
    if (d.outcome === 'permit')
      expect(d.fields.filter((f) => FLAG_FIELDS.includes(f))).toEqual([] as DatasetField[]);
  });
});
