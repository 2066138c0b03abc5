import type { Consent } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../src/config/registry-types.js';
import { decide } from '../../src/consent/decide.js';
import type { DecisionEvent, DecisionInput, ReasonCode } from '../../src/consent/types.js';
import {
  actor,
  consent,
  DISCHARGE,
  DTR,
  dataClass,
  dischargeEvent,
  dtrEvent,
  input,
  NHS,
  NOW,
  permitFor,
  purpose,
  registry,
} from './builders.js';

const HHA = 'HHA01';
const LTB = 'LTB01';
const HOMESTEAD = 'homegroup-discharge';
const MH_FIELDS = ['serviceType', 'ward', 'supportNeeds', 'riskFlags'];
const ev = (over: Partial<DecisionEvent>): DecisionEvent => ({ ...dischargeEvent, ...over });
const dtr = (over: Partial<DecisionEvent>): DecisionEvent => ({ ...dtrEvent, ...over });
const discharge = (cs: Consent[], over: Partial<DecisionEvent> = {}, more: Partial<DecisionInput> = {}) =>
  input(HOMESTEAD, ev(over), cs, more);
const agreementFields = (id: string, version?: number) =>
  registry.versions(id).find((a) => version === undefined || a.version === version)?.fields ?? [];
const withAgreement = (id: string, change: (a: Agreement) => Agreement) =>
  registry.agreements.map((a) => (a.id === id ? change(a) : a));
const riverside = (over: Partial<DecisionEvent> = {}) =>
  ev({
    sender: 'riverside-trust',
    code: 'housing-need-identified',
    serviceTypes: ['general-acute'],
    postcodeDistrict: 'NE10',
    ...over,
  });

interface Case {
  name: string;
  input: DecisionInput;
  outcome: 'permit' | 'withhold';
  reasons?: ReasonCode[];
  check?: (d: ReturnType<typeof decide>) => void;
}

const permitHHA = () => permitFor(HHA, DISCHARGE);
const cases: Case[] = [
  // --- the happy paths
  {
    name: 'discharge support with consent for the service',
    input: discharge([permitHHA()]),
    outcome: 'permit',
    reasons: [],
    check: (d) =>
      expect(d.outcome === 'permit' && d.fields).toEqual(
        agreementFields('dsa-north-coast-homestead-discharge', 2),
      ),
  },
  {
    name: 'records agreement id, version and hash, lawful basis and purpose',
    input: discharge([permitHHA()]),
    outcome: 'permit',
    check: (d) => {
      expect(d.agreement).toMatchObject({
        id: 'dsa-north-coast-homestead-discharge',
        version: 2,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(d.outcome === 'permit' && d.lawfulBasis).toMatchObject({
        basis: 'explicit-consent',
        article6: expect.stringContaining('6(1)(e)'),
      });
      expect(d.outcome === 'permit' && d.purpose).toBe(DISCHARGE);
    },
  },
  {
    name: 'records the consents consulted with their versionId',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { id: 'cx', versionId: '3' })]),
    outcome: 'permit',
    check: (d) => expect(d.consents).toEqual([{ reference: 'Consent/cx', versionId: '3' }]),
  },
  {
    name: 'consent matched by NHS number identifier',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { byNhsNumber: NHS })]),
    outcome: 'permit',
  },
  {
    name: 'a permit naming no recipient, no purpose and no data is not consent to this disclosure',
    input: discharge([consent({ provision: { type: 'permit' } })]),
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'person with no fixed abode is within the discharge service',
    input: discharge([permitHHA()], { postcodeDistrict: undefined }),
    outcome: 'permit',
  },
  // --- consent missing or not covering
  { name: 'no consent', input: discharge([]), outcome: 'withhold', reasons: ['consent-missing'] },
  {
    name: 'consent about another person',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { patientRef: 'urn:uuid:someone-else' })]),
    outcome: 'withhold',
    reasons: ['consent-missing'],
  },
  {
    name: 'consent with treatment scope only',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { scope: 'treatment' })]),
    outcome: 'withhold',
    reasons: ['consent-missing'],
  },
  {
    name: 'draft consent does not count',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { status: 'draft' })]),
    outcome: 'withhold',
    reasons: ['consent-missing'],
  },
  {
    name: 'entered-in-error consent is ignored',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { status: 'entered-in-error' })]),
    outcome: 'withhold',
    reasons: ['consent-missing'],
  },
  {
    name: 'consent for another organisation',
    input: discharge([permitFor(LTB, DISCHARGE)]),
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'consent for another purpose',
    input: discharge([permitFor(HHA, DTR)]),
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'consent naming the organisation in a non-recipient role',
    input: discharge([consent({ provision: { type: 'permit', actor: [actor(HHA, 'AUT')] } })]),
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'consent not yet started',
    input: discharge([permitFor(HHA, DISCHARGE, { period: { start: '2027-01-01' } })]),
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'consent expired',
    input: discharge([permitFor(HHA, DISCHARGE, { period: { start: '2026-01-01', end: '2026-10-01' } })]),
    outcome: 'withhold',
    reasons: ['consent-expired'],
  },
  // --- deny, withdrawal, conflicts
  {
    name: 'root deny',
    input: discharge([consent({ provision: { type: 'deny' } })]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'opt-out policy without provision type',
    input: discharge([consent({ policyRule: 'OPTOUT', provision: {} })]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'nested deny for this recipient inside a general permit',
    input: discharge([
      consent({ provision: { type: 'permit', provision: [{ type: 'deny', actor: [actor(HHA)] }] } }),
    ]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'nested permit for this recipient inside a root deny',
    input: discharge([
      consent({
        provision: {
          type: 'deny',
          provision: [{ type: 'permit', actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] }],
        },
      }),
    ]),
    outcome: 'permit',
  },
  {
    name: 'two consents in conflict: deny overrides permit',
    input: discharge([permitHHA(), consent({ provision: { type: 'deny', actor: [actor(HHA)] } })]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'two consents in conflict, the deny listed first: deny still overrides permit',
    input: discharge([consent({ provision: { type: 'deny', actor: [actor(HHA)] } }), permitHHA()]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'an older permit listed after its withdrawal does not revive consent',
    input: discharge([
      permitFor(HHA, DISCHARGE, {}, { series: 's4', status: 'inactive', dateTime: '2026-11-21T09:00:00Z' }),
      permitFor(HHA, DISCHARGE, {}, { series: 's4', dateTime: '2026-11-18T09:00:00Z' }),
    ]),
    outcome: 'withhold',
    reasons: ['consent-withdrawn'],
  },
  {
    name: 'withdrawn consent (later inactive version of the same consent)',
    input: discharge([
      permitFor(HHA, DISCHARGE, {}, { series: 's1' }),
      permitFor(HHA, DISCHARGE, {}, { series: 's1', status: 'inactive', dateTime: '2026-11-21T09:00:00Z' }),
    ]),
    outcome: 'withhold',
    reasons: ['consent-withdrawn'],
  },
  {
    name: 'rejected consent is a withdrawal',
    input: discharge([permitFor(HHA, DISCHARGE, {}, { status: 'rejected' })]),
    outcome: 'withhold',
    reasons: ['consent-withdrawn'],
  },
  {
    name: 'consent given again after a withdrawal',
    input: discharge([
      permitFor(HHA, DISCHARGE, {}, { series: 's2' }),
      permitFor(HHA, DISCHARGE, {}, { series: 's2', status: 'inactive', dateTime: '2026-11-19T09:00:00Z' }),
      permitFor(HHA, DISCHARGE, {}, { series: 's2', dateTime: '2026-11-22T09:00:00Z' }),
    ]),
    outcome: 'permit',
  },
  {
    name: 'a later deny version of the same consent stands over the earlier permit',
    input: discharge([
      permitFor(HHA, DISCHARGE, {}, { series: 's3' }),
      consent({ series: 's3', dateTime: '2026-11-22T09:00:00Z', provision: { type: 'deny' } }),
    ]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  // --- data classes narrow, not refuse
  {
    name: 'nested deny for mental health data narrows the dataset',
    input: discharge([
      permitFor(HHA, DISCHARGE, { provision: [{ type: 'deny', class: [dataClass('mental-health')] }] }),
    ]),
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    check: (d) => {
      expect(d.outcome === 'permit' && d.fields.filter((f) => MH_FIELDS.includes(f))).toEqual([]);
      expect(d.outcome === 'permit' && d.fields).toContain('name');
    },
  },
  {
    name: 'v3 PSY security label narrows like the mental-health class',
    input: discharge([
      permitFor(HHA, DISCHARGE, {
        provision: [
          {
            type: 'deny',
            securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }],
          },
        ],
      }),
    ]),
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    check: (d) => expect(d.outcome === 'permit' && d.fields).not.toContain('riskFlags'),
  },
  {
    name: 'a second consent denying safeguarding data narrows the dataset',
    input: discharge([
      permitHHA(),
      consent({ provision: { type: 'deny', class: [dataClass('safeguarding')] } }),
    ]),
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    check: (d) => expect(d.outcome === 'permit' && d.fields).not.toContain('safeguardingFlags'),
  },
  {
    name: 'a permit limited to identity and contact shares only those',
    input: discharge([permitFor(HHA, DISCHARGE, { class: [dataClass('identity'), dataClass('contact')] })]),
    outcome: 'permit',
    reasons: ['fields-narrowed-by-consent'],
    check: (d) =>
      expect(d.outcome === 'permit' && [...d.fields].sort()).toEqual([
        'birthDate',
        'consent',
        'contactDetails',
        'name',
        'nhsNumber',
        'preferredContactMethod',
      ]),
  },
  {
    name: 'a deny of an unknown data class refuses the whole dataset',
    input: discharge([
      permitFor(HHA, DISCHARGE, {
        provision: [
          { type: 'deny', class: [{ system: 'urn:ietf:bcp:13', code: 'application/hl7-cda+xml' }] },
        ],
      }),
    ]),
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'an exception to an exception restores mental health data for this recipient',
    input: discharge([
      consent({
        provision: {
          type: 'permit',
          actor: [actor(HHA), actor(LTB)],
          purpose: [purpose(DISCHARGE)],
          provision: [
            {
              type: 'deny',
              class: [dataClass('mental-health')],
              provision: [{ type: 'permit', actor: [actor(HHA)] }],
            },
          ],
        },
      }),
    ]),
    outcome: 'permit',
    reasons: [],
  },
  // --- agreement rules
  {
    name: 'agreement expired yesterday',
    input: discharge(
      [permitHHA()],
      { occurredAt: '2027-03-31T12:00:00Z' },
      { now: new Date('2027-04-01T09:00:00Z') },
    ),
    outcome: 'withhold',
    reasons: ['agreement-expired'],
  },
  {
    name: 'agreement version changed mid-stay: an event before the change is judged under v1 (here terminated)',
    input: discharge(
      [permitHHA()],
      { occurredAt: '2026-03-30T12:00:00Z' },
      { now: new Date('2026-03-30T15:00:00Z') },
    ),
    outcome: 'withhold',
    reasons: ['agreement-not-active'],
    check: (d) => expect(d.agreement?.version).toBe(1),
  },
  {
    // Issue 17 item 3: the agreement is judged at the gateway's clock, not the message's dates.
    name: 'a message dated under v1 arriving after v1 ended is judged by v2, in force today',
    input: discharge([permitHHA()], { occurredAt: '2026-03-30T12:00:00Z' }),
    outcome: 'permit',
    check: (d) => expect(d.agreement?.version).toBe(2),
  },
  {
    name: 'agreement version changed mid-stay: the event after the change uses v2',
    input: discharge([permitHHA()], { occurredAt: '2026-04-02T12:00:00Z' }),
    outcome: 'permit',
    check: (d) => expect(d.agreement?.version).toBe(2),
  },
  {
    name: 'a message dated before any version of the agreement is judged by today’s version',
    input: discharge([permitHHA()], { occurredAt: '2025-01-01T12:00:00Z' }),
    outcome: 'permit',
    check: (d) => expect(d.agreement?.version).toBe(2),
  },
  {
    name: 'decided before any version of the agreement starts',
    input: discharge(
      [permitHHA()],
      { occurredAt: '2025-01-01T12:00:00Z' },
      { now: new Date('2025-01-01T12:00:00Z') },
    ),
    outcome: 'withhold',
    reasons: ['agreement-not-yet-effective'],
  },
  {
    // Issue 17 item 3: Patient.deceasedBoolean true or a deceasedDateTime.
    name: 'a person recorded as deceased is never referred, whatever the consent and agreement',
    input: discharge([permitHHA()], { deceased: true }),
    outcome: 'withhold',
    reasons: ['deceased'],
  },
  {
    name: 'suspended agreement',
    input: discharge(
      [permitHHA()],
      {},
      {
        agreements: withAgreement('dsa-north-coast-homestead-discharge', (a) => ({
          ...a,
          status: 'suspended',
        })),
      },
    ),
    outcome: 'withhold',
    reasons: ['agreement-not-active'],
  },
  {
    name: 'no agreement between the pair',
    input: input('wearmouth-council', ev({ sender: 'riverside-trust' }), [permitFor('LWM02', DISCHARGE)]),
    outcome: 'withhold',
    reasons: ['no-agreement'],
  },
  {
    name: 'trigger not covered',
    input: discharge([permitHHA()], { code: 'referral-request' }),
    outcome: 'withhold',
    reasons: ['trigger-not-covered'],
  },
  {
    name: 'encounter class not covered',
    input: discharge([permitHHA()], { encounterClass: 'EMER' }),
    outcome: 'withhold',
    reasons: ['encounter-class-not-covered'],
  },
  {
    name: 'service type not covered',
    input: discharge([permitHHA()], { serviceTypes: ['maternity'] }),
    outcome: 'withhold',
    reasons: ['service-type-not-covered'],
  },
  {
    name: 'out of catchment',
    input: discharge([permitHHA()], { postcodeDistrict: 'NE20' }),
    outcome: 'withhold',
    reasons: ['out-of-catchment'],
  },
  {
    name: 'purpose mismatch',
    input: discharge([permitHHA()], { requestedPurpose: DTR }),
    outcome: 'withhold',
    reasons: ['purpose-mismatch'],
  },
  {
    name: 'every broken rule is reported',
    input: discharge([permitHHA()], {
      code: 'referral-request',
      encounterClass: 'AMB',
      postcodeDistrict: 'NE99',
    }),
    outcome: 'withhold',
    reasons: ['trigger-not-covered', 'encounter-class-not-covered', 'out-of-catchment'],
  },
  {
    name: 'restricted record is never disclosed automatically',
    input: discharge([permitHHA()], { restricted: true }),
    outcome: 'withhold',
    reasons: ['restricted-record'],
  },
  // --- Duty to Refer
  {
    name: 'DTR to the authority the person chose',
    input: input('tynebridge-council', dtrEvent, [permitFor(LTB, DTR)]),
    outcome: 'permit',
    check: (d) => expect(d.outcome === 'permit' && d.referralType).toBe('duty-to-refer'),
  },
  {
    name: 'DTR not to an authority the person did not choose',
    input: input('tynebridge-council', dtr({ chosenRecipientOds: ['LWM02'] }), [permitFor(LTB, DTR)]),
    outcome: 'withhold',
    reasons: ['not-chosen-authority'],
  },
  {
    name: 'DTR to a chosen authority outside its default catchment',
    input: input('wearmouth-council', dtr({ chosenRecipientOds: ['LWM02'] }), [permitFor('LWM02', DTR)]),
    outcome: 'permit',
  },
  {
    name: 'DTR by default catchment when no authority was chosen',
    input: input('tynebridge-council', dtr({ chosenRecipientOds: [] }), [permitFor(LTB, DTR)]),
    outcome: 'permit',
  },
  {
    name: 'DTR default routing outside the catchment',
    input: input('tynebridge-council', dtr({ chosenRecipientOds: [], postcodeDistrict: 'SR1' }), [
      permitFor(LTB, DTR),
    ]),
    outcome: 'withhold',
    reasons: ['out-of-catchment'],
  },
  {
    name: 'DTR with no authority chosen and no postcode',
    input: input('tynebridge-council', dtr({ chosenRecipientOds: [], postcodeDistrict: undefined }), [
      permitFor(LTB, DTR),
    ]),
    outcome: 'withhold',
    reasons: ['out-of-catchment'],
  },
  {
    name: 'DTR without consent (explicit consent is statutory)',
    input: input('tynebridge-council', dtrEvent, []),
    outcome: 'withhold',
    reasons: ['consent-missing'],
  },
  {
    name: 'DTR where consent withholds contact details falls below the statutory minimum',
    input: input('tynebridge-council', dtrEvent, [
      permitFor(LTB, DTR, { provision: [{ type: 'deny', class: [dataClass('contact')] }] }),
    ]),
    outcome: 'withhold',
    reasons: ['dataset-below-minimum'],
  },
  // --- another lawful basis
  {
    name: 'safeguarding basis without consent',
    input: input(HOMESTEAD, riverside({ encounterClass: 'EMER' }), []),
    outcome: 'permit',
    reasons: ['alternative-basis-used'],
    check: (d) => expect(d.outcome === 'permit' && d.lawfulBasis.basis).toBe('safeguarding'),
  },
  {
    name: 'safeguarding basis still honours an explicit objection',
    input: input(HOMESTEAD, riverside({ encounterClass: 'EMER' }), [
      consent({ provision: { type: 'deny', actor: [actor(HHA)] } }),
    ]),
    outcome: 'withhold',
    reasons: ['encounter-class-not-covered', 'consent-denied'],
    check: (d) =>
      expect(d.reasons.map((r) => r.agreementId)).toEqual([
        'dsa-riverside-homestead-discharge',
        'dsa-riverside-homestead-safeguarding',
      ]),
  },
  {
    name: 'a basis that overrides objections records the override',
    input: input(
      HOMESTEAD,
      riverside({ encounterClass: 'EMER' }),
      [consent({ provision: { type: 'deny' } })],
      {
        agreements: withAgreement('dsa-riverside-homestead-safeguarding', (a) => ({
          ...a,
          consent: {
            requirement: 'alternative-basis',
            basis: 'vital-interests',
            overridesObjection: true,
            source: 'message',
          },
        })),
      },
    ),
    outcome: 'permit',
    reasons: ['alternative-basis-used', 'objection-overridden'],
  },
  {
    name: 'a partial objection narrows a safeguarding disclosure',
    input: input(HOMESTEAD, riverside({ encounterClass: 'EMER' }), [
      consent({ provision: { type: 'deny', class: [dataClass('contact')] } }),
    ]),
    outcome: 'permit',
    reasons: ['alternative-basis-used', 'fields-narrowed-by-consent'],
    check: (d) => expect(d.outcome === 'permit' && d.fields).not.toContain('contactDetails'),
  },
  {
    name: 'with consent, the consent-based agreement is preferred over the safeguarding one',
    input: input(HOMESTEAD, riverside(), [permitHHA()]),
    outcome: 'permit',
    check: (d) => expect(d.agreement?.id).toBe('dsa-riverside-homestead-discharge'),
  },
];

describe('decide(): agreement and consent rules', () => {
  it('has at least 40 named cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases)('$name', ({ input: i, outcome, reasons, check }) => {
    const d = decide(i);
    expect(d.outcome).toBe(outcome);
    if (reasons) expect(d.reasons.map((r) => r.code)).toEqual(reasons);
    if (d.outcome === 'withhold') expect(d.reasons.length).toBeGreaterThan(0);
    for (const r of d.reasons) expect(r.text.length).toBeGreaterThan(0);
    check?.(d);
  });

  it('is pure: the same input gives the same decision and is not modified', () => {
    const i = discharge([permitHHA()]);
    const before = JSON.stringify(i);
    expect(decide(i)).toEqual(decide(i));
    expect(JSON.stringify(i)).toBe(before);
    expect(NOW.toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });
});
