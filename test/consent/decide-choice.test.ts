/**
 * decide() over several agreements between one trust and one recipient: which permit is used
 * (the person's own consent first, then the agreement allowing more, then by id), and what a
 * withhold records (the agreement examined, every reason, the consents consulted).
 */
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../src/config/registry-types.js';
import { decide } from '../../src/consent/decide.js';
import { consent, DISCHARGE, dataClass, dischargeEvent, input, permitFor, registry } from './builders.js';

const HHA = 'HHA01';
const DISCHARGE_ID = 'dsa-north-coast-homestead-discharge';
const v2 = registry.versions(DISCHARGE_ID).find((a) => a.version === 2) as Agreement;
/** Another agreement between the same pair, in force today, like v2 but with its own id and fields. */
const sibling = (id: string, fields: string[], over: Partial<Agreement> = {}): Agreement => ({
  ...v2,
  id,
  version: 1,
  fields,
  ...over,
});
const decideWith = (agreements: readonly Agreement[], consents = [permitFor(HHA, DISCHARGE)]) =>
  decide(input('homegroup-discharge', dischargeEvent, consents, { agreements }));
/** An emergency attendance at Riverside: only the safeguarding agreement (another basis) covers it. */
const RIVERSIDE_EMERGENCY = {
  ...dischargeEvent,
  sender: 'riverside-trust',
  code: 'housing-need-identified' as const,
  encounterClass: 'EMER',
  postcodeDistrict: 'NE10',
};
const fewer = v2.fields.filter((f) => f !== 'riskFlags' && f !== 'serviceType');

describe('decide(): the agreement a permit rests on', () => {
  it('of two consent-based agreements, the one allowing more fields is used', () => {
    // The narrower one sorts first by id, so only the field count can choose v2.
    const narrower = sibling('dsa-a-narrower', fewer);
    for (const agreements of [
      [narrower, v2],
      [v2, narrower],
    ]) {
      const d = decideWith(agreements);
      expect([d.outcome, d.agreement?.id]).toEqual(['permit', DISCHARGE_ID]);
    }
    const wider = sibling('dsa-z-wider', [...v2.fields, 'safeguardingFlags']);
    expect(decideWith([v2, wider]).agreement?.id).toBe('dsa-z-wider');
  });

  it('of two agreements allowing as much, the first by id is used, whatever the order listed', () => {
    const twin = sibling('dsa-z-twin', [...v2.fields]);
    expect(decideWith([v2, twin]).agreement?.id).toBe(DISCHARGE_ID);
    expect(decideWith([twin, v2]).agreement?.id).toBe(DISCHARGE_ID);
    const earlier = sibling('dsa-a-twin', [...v2.fields]);
    expect(decideWith([v2, earlier]).agreement?.id).toBe('dsa-a-twin');
  });

  it('the person’s consent is preferred over another lawful basis even when that allows more', () => {
    const safeguarding = sibling('dsa-a-safeguarding', [...v2.fields, 'safeguardingFlags'], {
      consent: {
        requirement: 'alternative-basis',
        basis: 'safeguarding',
        overridesObjection: false,
        source: 'message',
      },
    });
    for (const agreements of [
      [safeguarding, v2],
      [v2, safeguarding],
    ]) {
      const d = decideWith(agreements);
      expect(d.agreement?.id).toBe(DISCHARGE_ID);
      expect(d.outcome === 'permit' && d.lawfulBasis.basis).toBe('explicit-consent');
    }
    // Without consent, the other basis is what remains.
    const d = decideWith([safeguarding, v2], []);
    expect([d.outcome, d.agreement?.id]).toEqual(['permit', 'dsa-a-safeguarding']);
    expect(d.outcome === 'permit' && d.lawfulBasis.basis).toBe('safeguarding');
  });

  it('a permit carries the agreement’s lawful basis and its statutory reference', () => {
    const d = decideWith([v2]);
    expect(d.outcome === 'permit' && d.lawfulBasis).toEqual({
      article6: '6(1)(e) public task',
      article9: '9(2)(h) health or social care',
      basis: 'explicit-consent',
      reference: v2.lawfulBasis.reference,
    });
    const { reference: _, ...unreferenced } = v2.lawfulBasis;
    const plain = decideWith([{ ...v2, lawfulBasis: unreferenced }]);
    expect(plain.outcome === 'permit' && Object.keys(plain.lawfulBasis).sort()).toEqual([
      'article6',
      'article9',
      'basis',
    ]);
  });

  it('a permit carries the referral type, purpose and the consents consulted', () => {
    const d = decideWith([v2], [permitFor(HHA, DISCHARGE, {}, { id: 'c-given', versionId: '2' })]);
    expect(d).toMatchObject({
      outcome: 'permit',
      recipient: 'homegroup-discharge',
      referralType: 'discharge-support',
      purpose: DISCHARGE,
      consents: [{ reference: 'Consent/c-given', versionId: '2' }],
      agreement: { id: DISCHARGE_ID, version: 2, sha256: v2.sha256 },
    });
  });
});

describe('decide(): the fields consent leaves out are named', () => {
  it('a permit narrowed by consent names every field left out', () => {
    const d = decideWith(
      [v2],
      [permitFor(HHA, DISCHARGE, { provision: [{ type: 'deny', class: [dataClass('contact')] }] })],
    );
    expect(d.reasons).toEqual([
      {
        code: 'fields-narrowed-by-consent',
        text: 'Consent leaves out: contactDetails, preferredContactMethod',
        agreementId: DISCHARGE_ID,
      },
    ]);
  });

  it('a disclosure on another basis narrowed by an objection names every field left out', () => {
    const safeguarding = registry.versions('dsa-riverside-homestead-safeguarding')[0] as Agreement;
    const d = decide(
      input(
        'homegroup-discharge',
        RIVERSIDE_EMERGENCY,
        [consent({ provision: { type: 'deny', class: [dataClass('contact')] } })],
        { agreements: [safeguarding] },
      ),
    );
    expect(d.reasons.map((r) => r.text)).toEqual([
      'Shared without consent on the basis of safeguarding',
      "The person's objection leaves out: contactDetails",
    ]);
  });
});

describe('decide(): a basis that overrides an objection says so', () => {
  it('the override names the basis it rests on', () => {
    const safeguarding = registry.versions('dsa-riverside-homestead-safeguarding')[0] as Agreement;
    const vital: Agreement = {
      ...safeguarding,
      consent: {
        requirement: 'alternative-basis',
        basis: 'vital-interests',
        overridesObjection: true,
        source: 'message',
      },
    };
    const d = decide(
      input('homegroup-discharge', RIVERSIDE_EMERGENCY, [consent({ provision: { type: 'deny' } })], {
        agreements: [vital],
      }),
    );
    expect([d.outcome, d.outcome === 'permit' && d.lawfulBasis.basis]).toEqual(['permit', 'vital-interests']);
    expect(d.reasons).toEqual([
      {
        code: 'alternative-basis-used',
        text: 'Shared without consent on the basis of vital-interests',
        agreementId: 'dsa-riverside-homestead-safeguarding',
      },
      {
        code: 'objection-overridden',
        text: "The person's objection is overridden (vital-interests)",
        agreementId: 'dsa-riverside-homestead-safeguarding',
      },
    ]);
  });
});

describe('decide(): what a withhold records', () => {
  it('a withhold records the consents consulted', () => {
    const d = decideWith([], [consent({ id: 'c-deny', provision: { type: 'deny' } })]);
    expect(d).toMatchObject({
      outcome: 'withhold',
      recipient: 'homegroup-discharge',
      consents: [{ reference: 'Consent/c-deny', versionId: '1' }],
      reasons: [{ code: 'no-agreement' }],
    });
    expect(d.agreement).toBeUndefined();
    expect(d.reasons[0]?.text).toBe(
      'No data-sharing agreement covers north-coast-trust -> homegroup-discharge',
    );
  });

  it('a withhold names the agreement examined, not one that was not in force', () => {
    // The first agreement by id has not started; the second is in force and refused by consent.
    const later = sibling('dsa-a-later', [...v2.fields], { effective: { from: '2027-01-01' } });
    for (const agreements of [
      [later, v2],
      [v2, later],
    ]) {
      const d = decideWith(agreements, [consent({ provision: { type: 'deny' } })]);
      // Reasons come in the order of the agreements' ids, whatever the registry's order.
      expect(d.reasons.map((r) => [r.code, r.agreementId])).toEqual([
        ['agreement-not-yet-effective', 'dsa-a-later'],
        ['consent-denied', DISCHARGE_ID],
      ]);
      expect(d.agreement).toEqual({ id: DISCHARGE_ID, version: 2, sha256: v2.sha256 });
    }
  });

  it('a restricted record is withheld under each agreement, naming it', () => {
    const r = decide(
      input('homegroup-discharge', { ...dischargeEvent, restricted: true }, [permitFor(HHA, DISCHARGE)], {
        agreements: [v2],
      }),
    );
    expect(r.reasons).toEqual([
      {
        code: 'restricted-record',
        text: 'The person has a restricted (sensitive) record: disclosures are handled by the ward, not automatically',
        agreementId: DISCHARGE_ID,
      },
    ]);
    expect(r.agreement).toBeUndefined();
  });

  it('a deceased person is withheld with the reason and no agreement', () => {
    const d = decide(
      input('homegroup-discharge', { ...dischargeEvent, deceased: true }, [permitFor(HHA, DISCHARGE)]),
    );
    expect(d).toEqual({
      outcome: 'withhold',
      recipient: 'homegroup-discharge',
      consents: [expect.objectContaining({ reference: expect.stringMatching(/^Consent\//) })],
      reasons: [
        {
          code: 'deceased',
          text: 'The person is recorded as deceased (Patient.deceased[x]): no referral is made',
        },
      ],
    });
  });
});
