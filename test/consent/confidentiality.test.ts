/**
 * Issue 17 item 2: `provision.securityLabel` with HL7 v3 Confidentiality is a high-water mark
 * ("applies to all resources that are labeled R or lower", R4 Consent.provision.securityLabel),
 * judged against each record's own label; a record without one is normal (N).
 */
import type { FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/consent/decide.js';
import { disclosureFacts } from '../../src/consent/disclosure-facts.js';
import { consent, DISCHARGE, dischargeEvent, input, permitFor } from './builders.js';

const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const FLAG_FIELDS = ['riskFlags', 'vulnerability', 'accessibilityNeeds', 'safeguardingFlags'];

const flag = (id: string, label?: string): FhirResource => ({
  resourceType: 'Flag',
  id,
  ...(label ? { meta: { security: [{ system: CONF, code: label }] } } : {}),
  status: 'active',
  code: { text: 'synthetic flag' },
  subject: { reference: 'Patient/p1' },
});
const patientRecord: FhirResource = { resourceType: 'Patient', id: 'p1' };
const factsOf = (...rs: FhirResource[]) =>
  disclosureFacts(new Map(rs.map((r) => [`${r.resourceType}/${r.id}`, r])), 'HHA01', 'R9N1C');
const denyAt = (code: string) =>
  consent({ provision: { type: 'deny', securityLabel: [{ system: CONF, code }] } });

function flagFieldsSent(facts: ReturnType<typeof factsOf>, code?: string): string[] {
  const consents = [permitFor('HHA01', DISCHARGE), ...(code ? [denyAt(code)] : [])];
  const d = decide(input('homegroup-discharge', dischargeEvent, consents, { facts }));
  return d.outcome === 'permit' ? d.fields.filter((f) => FLAG_FIELDS.includes(f)) : ['withheld'];
}

describe('securityLabel: a confidentiality high-water mark (issue 17 item 2)', () => {
  /** The Flag fields the agreement sends when no deny speaks. */
  const ALL_FLAG = flagFieldsSent(factsOf(patientRecord, flag('f1')));

  it('without a deny, the Flag fields go', () => {
    expect(ALL_FLAG.length).toBeGreaterThan(0);
  });

  it('a deny at L removes what a record labelled L feeds', () => {
    expect(flagFieldsSent(factsOf(patientRecord, flag('f1', 'L')), 'L')).toEqual([]);
  });

  it('a deny at L does not reach a record labelled M, nor an unlabelled (normal) one', () => {
    expect(flagFieldsSent(factsOf(patientRecord, flag('f1', 'M')), 'L')).toEqual(ALL_FLAG);
    expect(flagFieldsSent(factsOf(patientRecord, flag('f1')), 'L')).toEqual(ALL_FLAG);
  });

  it('a deny at M reaches a record labelled L (L is lower than M)', () => {
    expect(flagFieldsSent(factsOf(patientRecord, flag('f1', 'L')), 'M')).toEqual([]);
  });

  it('a deny at N withholds the whole referral: everything sent is normal or lower', () => {
    expect(flagFieldsSent(factsOf(patientRecord, flag('f1')), 'N')).toEqual(['withheld']);
  });
});
