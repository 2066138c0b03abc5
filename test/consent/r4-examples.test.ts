/**
 * Issue 17 item 2: every Consent example of the FHIR R4 specification (package
 * hl7.fhir.r4.examples 4.0.1), judged as a consent to one housing disclosure: the North Coast
 * trust referring the person to Homestead (HHA01) for hospital discharge housing support, an
 * agreement that needs explicit consent. The expected decision and reason come from the
 * example's own description (its narrative, the text the specification publishes with it).
 *
 * The examples name a Dutch patient and Canadian organisations, not our partners, so each row
 * builds the context the example implies: the actor it names as recipient stands for Homestead
 * (`recipient`), the organisation it names as custodian or author stands for the sending trust
 * (`sender`), and the patient it names is the person of the referral. The referral carries the
 * synthetic admission of test/mapping/sample-event.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Consent } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/consent/decide.js';
import { disclosureFacts } from '../../src/consent/disclosure-facts.js';
import type { DecisionInput, ReasonCode } from '../../src/consent/types.js';
import { sampleEvent } from '../mapping/sample-event.js';
import { DISCHARGE, dischargeEvent, NOW, permitFor, registry } from './builders.js';

const DIR = 'node_modules/hl7.fhir.r4.examples';
const HOMESTEAD = registry.partner('homegroup-discharge');
const TRUST = registry.partner('north-coast-trust');

interface Row {
  /** Consent.id of the example. */
  id: string;
  /** Message references that stand for Homestead / for the sending trust in this row. */
  recipient?: string;
  sender?: string;
  outcome: 'withhold' | 'permit';
  reason: ReasonCode;
  /** The same example beside a specific consent to Homestead for this purpose. */
  withPermit: { outcome: 'withhold' | 'permit'; reason?: ReasonCode };
  why: string;
}

const TABLE: Row[] = [
  {
    id: 'consent-example-basic',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-expired',
    withPermit: { outcome: 'permit' },
    why:
      '"Authorize Normal access for Treatment" of the PHI held at Good Health; its only rule ran ' +
      '1964-01-01..2016-01-01, so nothing in it holds now (and it named neither Homestead nor ' +
      'housing support, which a permit must to count).',
  },
  {
    id: 'consent-example-Out',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      '"wishes to have no data at the Good Health Psychiatric Hospital available" (OPTOUT, Good ' +
      'Health as custodian CST): the trust holds the data, so all of it is withheld, and a later ' +
      'permit does not undo a standing refusal (deny overrides).',
  },
  {
    id: 'consent-example-Emergency',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      '"An overall Deny consent Directive, with an exception" for emergency treatment (ETREAT) ' +
      'only: housing support is not emergency treatment, so the overall deny (OPTOUT) stands.',
  },
  {
    id: 'consent-example-grantor',
    recipient: 'Patient/example',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      'The person gives a representative "read-only access" (action access) under an OPTOUT ' +
      'policy: read access for one person is not consent to disclose to a housing provider, and ' +
      'the opt-out stands for everything else.',
  },
  {
    id: 'consent-example-notAuthor',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      '"all of the PHI collected at the Good Health Psychiatric Hospital restricted from ' +
      'disclosure to every provider": records of the custodian (CST, here the sending trust) are ' +
      'withheld from Homestead too (a typeless root under OPTIN is the exception: a deny).',
  },
  {
    id: 'consent-example-notOrg',
    recipient: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      '"withdraw/withhold consent to disclose any instance of his health information to Good ' +
      'Health Clinic" (deny, PRCP): the named recipient stands for Homestead, so nothing goes.',
  },
  {
    id: 'consent-example-notThem',
    recipient: 'Practitioner/f204',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      '"withhold consent to disclose any instance of her health information to her ex-spouse" ' +
      '(PRCP Practitioner/f204, a typeless root under OPTIN: the exception, a deny): the named ' +
      'recipient stands for Homestead.',
  },
  {
    id: 'consent-example-notThis',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-not-covering',
    withPermit: { outcome: 'permit' },
    why:
      '"withhold consent to disclose the order and all results associated with that specific ' +
      'order" (data related Task/example3): the referral carries no such record, so it is not ' +
      'denied; but nothing in the example consents to housing support either.',
  },
  {
    id: 'consent-example-notTime',
    sender: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-expired',
    withPermit: { outcome: 'permit' },
    why:
      '"withhold disclosure of all data from a timeframe", encoded as the rule period ' +
      '2015-01-01..2015-02-01: that rule no longer holds and nothing else in it speaks, so the ' +
      'gateway reports the lapse; it never consented to housing support.',
  },
  {
    id: 'consent-example-pkb',
    recipient: 'Organization/f001',
    outcome: 'withhold',
    reason: 'consent-denied',
    withPermit: { outcome: 'withhold', reason: 'consent-denied' },
    why:
      'The Patients Know Best sharing screen: OPTOUT, with per-category exceptions for ' +
      'Organization/f001 that grant read `access` only (no disclosure, no purpose); the opt-out ' +
      'of normal (N) data stands for Homestead.',
  },
  {
    id: 'consent-example-signature',
    recipient: 'Practitioner/13',
    outcome: 'withhold',
    reason: 'consent-expired',
    withPermit: { outcome: 'permit' },
    why:
      'A signed opt-in for Practitioner/13 (PRCP) to receive CDA documents, valid ' +
      '2015-10-10..2016-10-10: it has ended, and documents are not the referral dataset.',
  },
  {
    id: 'consent-example-smartonfhir',
    outcome: 'withhold',
    reason: 'consent-expired',
    withPermit: { outcome: 'permit' },
    why:
      '"Template for recording a Smart on FHIR Authorization": an app may read MedicationRequest ' +
      'for 30 minutes on 2016-06-23; it has ended, names no recipient or purpose, and the referral ' +
      'carries no MedicationRequest.',
  },
];

const FILES = readdirSync(DIR).filter((f) => f.startsWith('Consent-') && f.endsWith('.json'));
const example = (id: string): Consent =>
  JSON.parse(readFileSync(`${DIR}/Consent-${id}.json`, 'utf8')) as Consent;

function inputFor(row: Row, consents: Consent[]): DecisionInput {
  if (!HOMESTEAD || !TRUST) throw new Error('sample registry changed');
  const event = sampleEvent();
  const facts = disclosureFacts(event.resources, HOMESTEAD.odsCode, TRUST.odsCode);
  const subject = example(row.id).patient?.reference ?? '';
  return {
    event: dischargeEvent,
    patient: { references: [subject, ...event.patient.references] },
    recipient: HOMESTEAD,
    agreements: registry.agreements,
    consents,
    now: NOW,
    facts: {
      ...facts,
      recipientReferences: [...(facts.recipientReferences ?? []), ...(row.recipient ? [row.recipient] : [])],
      senderReferences: [...(facts.senderReferences ?? []), ...(row.sender ? [row.sender] : [])],
    },
  };
}

/** A real consent to this disclosure, about the same person, recorded later. */
const specificPermit = (row: Row) =>
  permitFor(
    HOMESTEAD?.odsCode ?? '',
    DISCHARGE,
    {},
    { patientRef: example(row.id).patient?.reference ?? '' },
  );

describe('the 12 Consent examples of the FHIR R4 specification, as consent to a housing referral', () => {
  it('the table covers every Consent example of the package, once', () => {
    expect(FILES).toHaveLength(12);
    expect(TABLE.map((r) => `Consent-${r.id}.json`).sort()).toEqual([...FILES].sort());
    for (const r of TABLE) expect(r.why.length).toBeGreaterThan(40);
  });

  it.each(TABLE)('$id: $outcome ($reason)', (row) => {
    const d = decide(inputFor(row, [example(row.id)]));
    expect(d.outcome).toBe(row.outcome);
    expect(d.reasons.map((r) => r.code)).toEqual([row.reason]);
    expect(d.consents).toEqual([{ reference: `Consent/${row.id}` }]);
  });

  it.each(TABLE)('$id beside a specific consent to Homestead: $withPermit.outcome', (row) => {
    const d = decide(inputFor(row, [example(row.id), specificPermit(row)]));
    expect(d.outcome).toBe(row.withPermit.outcome);
    if (row.withPermit.reason) expect(d.reasons.map((r) => r.code)).toEqual([row.withPermit.reason]);
    if (d.outcome === 'permit') expect(d.reasons).toEqual([]);
  });
});
