/**
 * The minimum a referral type must carry (MINIMUM_FIELDS in src/consent/decide.ts): a Duty to
 * Refer needs contact details, consent and the reason (Housing Act 1996 s.213B; Homelessness Code
 * of Guidance ch. 4) and who the person is; discharge support needs who the person is. Consent that
 * narrows the dataset below it withholds the referral, at decision time and when consent changes
 * later (consentStillAllows).
 */
import type { ConsentProvision } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../src/config/registry-types.js';
import { consentStillAllows, decide, MINIMUM_FIELDS } from '../../src/consent/decide.js';
import {
  consent,
  DISCHARGE,
  DTR,
  dataClass,
  dischargeEvent,
  dtrEvent,
  input,
  NOW,
  patient,
  permitFor,
  registry,
} from './builders.js';

const LTB = 'LTB01';
const HHA = 'HHA01';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
const DTR_AGREEMENT = 'dsa-north-coast-tynebridge-dtr';
const DISCHARGE_AGREEMENT = 'dsa-north-coast-homestead-discharge';

const denying = (...cls: Array<{ system: string; code: string }>): Partial<ConsentProvision> => ({
  provision: [{ type: 'deny', class: cls }],
});
const dtrWith = (extra: Partial<ConsentProvision>, agreements?: readonly Agreement[]) =>
  decide(
    input('tynebridge-council', dtrEvent, [permitFor(LTB, DTR, extra)], agreements ? { agreements } : {}),
  );
const dischargeWith = (extra: Partial<ConsentProvision>) =>
  decide(input('homegroup-discharge', dischargeEvent, [permitFor(HHA, DISCHARGE, extra)]));
const codes = (d: ReturnType<typeof decide>) => [d.outcome, d.reasons.map((r) => r.code)];
const agreement = (id: string, version?: number): Agreement => {
  const a = registry.versions(id).find((v) => version === undefined || v.version === version);
  if (!a) throw new Error(`no agreement ${id}`);
  return a;
};
const withoutField = (id: string, field: string) =>
  registry.agreements.map((a) => (a.id === id ? { ...a, fields: a.fields.filter((f) => f !== field) } : a));

describe('Duty to Refer minimum: name, contact details, consent and reason', () => {
  it('is the statutory minimum and the person’s name', () => {
    expect(MINIMUM_FIELDS['duty-to-refer']).toEqual(['name', 'contactDetails', 'consent', 'reason']);
    expect(MINIMUM_FIELDS['discharge-support']).toEqual(['name']);
  });

  it('a Duty to Refer whose consent leaves out the person’s name is withheld', () => {
    const d = dtrWith(denying(dataClass('identity')));
    expect(codes(d)).toEqual(['withhold', ['dataset-below-minimum']]);
    expect(d.reasons[0]?.text).toBe('Consent leaves out required fields: name');
    expect(d.agreement?.id).toBe(DTR_AGREEMENT);
  });

  it('a Duty to Refer whose consent leaves out the consent record is withheld', () => {
    const d = dtrWith(denying({ system: RESOURCE_TYPES, code: 'Consent' }));
    expect(codes(d)).toEqual(['withhold', ['dataset-below-minimum']]);
    expect(d.reasons[0]?.text).toBe('Consent leaves out required fields: consent');
  });

  it('a Duty to Refer whose consent leaves out the reason for referral is withheld', () => {
    const d = dtrWith(denying(dataClass('housing')));
    expect(codes(d)).toEqual(['withhold', ['dataset-below-minimum']]);
    expect(d.reasons[0]).toEqual({
      code: 'dataset-below-minimum',
      text: 'Consent leaves out required fields: reason',
      agreementId: DTR_AGREEMENT,
    });
  });

  it('every minimum field consent leaves out is named', () => {
    const d = dtrWith(denying(dataClass('identity'), dataClass('contact')));
    expect(d.reasons[0]?.text).toBe('Consent leaves out required fields: name, contactDetails');
  });

  it('consent leaving out only fields beyond the minimum still permits a Duty to Refer', () => {
    const d = dtrWith(denying(dataClass('support-needs')));
    expect(codes(d)).toEqual(['permit', ['fields-narrowed-by-consent']]);
  });

  it('a minimum field the agreement itself does not list is not required of consent', () => {
    const d = dtrWith(denying(dataClass('contact')), withoutField(DTR_AGREEMENT, 'contactDetails'));
    expect(codes(d)).toEqual(['permit', ['fields-narrowed-by-consent']]);
    expect(d.outcome === 'permit' && d.fields).not.toContain('contactDetails');
  });
});

describe('discharge support minimum: who the person is', () => {
  it('a discharge-support referral whose consent leaves out the person’s name is withheld', () => {
    const d = dischargeWith(denying(dataClass('identity')));
    expect(codes(d)).toEqual(['withhold', ['dataset-below-minimum']]);
    expect(d.reasons[0]?.text).toBe('Consent leaves out required fields: name');
  });

  it('a discharge-support referral may go without contact details, consent record or reason', () => {
    const d = dischargeWith(
      denying(dataClass('contact'), dataClass('housing'), { system: RESOURCE_TYPES, code: 'Consent' }),
    );
    expect(codes(d)).toEqual(['permit', ['fields-narrowed-by-consent']]);
  });
});

describe('consentStillAllows(): consent changed after a referral was made (issue 6 item 6)', () => {
  const tynebridge = registry.partner('tynebridge-council');
  const homestead = registry.partner('homegroup-discharge');
  if (!tynebridge || !homestead) throw new Error('registry fixture changed');
  const still = (a: Agreement, consents: ReturnType<typeof consent>[], over: { now?: Date } = {}) =>
    consentStillAllows(a, {
      consents,
      patient,
      recipient: a.referralType === 'duty-to-refer' ? tynebridge : homestead,
      now: over.now ?? NOW,
    });

  it('consent that still covers the recipient and purpose still allows the referral', () => {
    expect(still(agreement(DTR_AGREEMENT), [permitFor(LTB, DTR)])).toEqual({ ok: true });
  });

  it('consent for another recipient no longer allows it', () => {
    expect(still(agreement(DTR_AGREEMENT), [permitFor('LWM02', DTR)])).toMatchObject({
      ok: false,
      reasons: [{ code: 'consent-not-covering' }],
    });
  });

  it('consent for another purpose no longer allows it', () => {
    expect(still(agreement(DTR_AGREEMENT), [permitFor(LTB, DISCHARGE)])).toMatchObject({
      ok: false,
      reasons: [{ code: 'consent-not-covering' }],
    });
  });

  it('consent that has ended by now no longer allows it', () => {
    const ending = permitFor(LTB, DTR, { period: { end: '2026-12-31' } });
    expect(still(agreement(DTR_AGREEMENT), [ending])).toEqual({ ok: true });
    expect(
      still(agreement(DTR_AGREEMENT), [ending], { now: new Date('2027-01-01T10:00:00Z') }),
    ).toMatchObject({ ok: false, reasons: [{ code: 'consent-expired', agreementId: DTR_AGREEMENT }] });
  });

  it('a withdrawal no longer allows it', () => {
    const given = permitFor(LTB, DTR, {}, { series: 'w1' });
    const withdrawn = permitFor(
      LTB,
      DTR,
      {},
      { series: 'w1', status: 'inactive', dateTime: '2026-11-22T09:00:00Z' },
    );
    expect(still(agreement(DTR_AGREEMENT), [given, withdrawn])).toMatchObject({
      ok: false,
      reasons: [{ code: 'consent-withdrawn' }],
    });
  });

  it('consent now leaving out contact details of a Duty to Refer no longer allows it', () => {
    expect(still(agreement(DTR_AGREEMENT), [permitFor(LTB, DTR, denying(dataClass('contact')))])).toEqual({
      ok: false,
      reasons: [
        {
          code: 'dataset-below-minimum',
          text: 'Consent now leaves out: contactDetails',
          agreementId: DTR_AGREEMENT,
        },
      ],
    });
  });

  it('consent now leaving out fields beyond the minimum still allows it', () => {
    expect(
      still(agreement(DTR_AGREEMENT), [permitFor(LTB, DTR, denying(dataClass('support-needs')))]),
    ).toEqual({
      ok: true,
    });
  });

  it('consent now leaving out a minimum field the agreement does not list still allows it', () => {
    const a = agreement(DTR_AGREEMENT);
    const narrower = { ...a, fields: a.fields.filter((f) => f !== 'contactDetails') };
    expect(still(narrower, [permitFor(LTB, DTR, denying(dataClass('contact')))])).toEqual({ ok: true });
  });

  it('an agreement on another lawful basis still allows it without consent', () => {
    expect(still(agreement('dsa-riverside-homestead-safeguarding'), [])).toEqual({ ok: true });
  });

  it('an objection to all the data no longer allows one on another lawful basis', () => {
    const objection = consent({ provision: { type: 'deny' } });
    expect(still(agreement('dsa-riverside-homestead-safeguarding'), [objection])).toMatchObject({
      ok: false,
      reasons: [{ code: 'consent-denied' }],
    });
  });

  it('consent of a scope the agreement accepts (treatment) counts', () => {
    const a = agreement(DISCHARGE_AGREEMENT, 2);
    const treatment = permitFor(HHA, DISCHARGE, {}, { scope: 'treatment' });
    expect(still(a, [treatment])).toMatchObject({ ok: false, reasons: [{ code: 'consent-missing' }] });
    const accepting = { ...a, consent: { ...a.consent, scopes: ['treatment' as const] } };
    expect(still(accepting, [treatment])).toEqual({ ok: true });
  });

  it('the message’s facts name the recipient: a permit naming it by reference still allows it', () => {
    const a = agreement(DISCHARGE_AGREEMENT, 2);
    const byReference = consent({
      provision: {
        type: 'permit',
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' },
              ],
            },
            reference: { reference: 'Organization/org-hha' },
          },
        ],
        purpose: [{ system: 'https://homeward.example/fhir/CodeSystem/purpose', code: DISCHARGE }],
      },
    });
    const base = { consents: [byReference], patient, recipient: homestead, now: NOW };
    expect(consentStillAllows(a, base)).toMatchObject({ ok: false });
    expect(
      consentStillAllows(a, { ...base, facts: { recipientReferences: ['Organization/org-hha'] } }),
    ).toEqual({
      ok: true,
    });
  });
});
