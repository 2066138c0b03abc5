/**
 * Agreement rules (src/consent/agreement-rules.ts): which version is in force on the gateway's
 * date in England, and whether the event falls within it. Agreement dates are calendar days,
 * inclusive at both ends; a draft is never in force.
 */
import { describe, expect, it } from 'vitest';
import type { Agreement, Partner } from '../../src/config/registry-types.js';
import { londonDate, ruleFailures, selectVersion } from '../../src/consent/agreement-rules.js';
import { decide } from '../../src/consent/decide.js';
import type { DecisionEvent } from '../../src/consent/types.js';
import { DISCHARGE, DTR, dischargeEvent, dtrEvent, input, permitFor, registry } from './builders.js';

const DISCHARGE_ID = 'dsa-north-coast-homestead-discharge';
const DTR_ID = 'dsa-north-coast-tynebridge-dtr';
const version = (id: string, v: number): Agreement => {
  const a = registry.versions(id).find((x) => x.version === v);
  if (!a) throw new Error(`no ${id} v${v}`);
  return a;
};
/** v1 2025-04-01..2026-03-31 (terminated), v2 2026-04-01..2027-03-31 (active). */
const v1 = version(DISCHARGE_ID, 1);
const v2 = version(DISCHARGE_ID, 2);
const partner = (id: string): Partner => {
  const p = registry.partner(id);
  if (!p) throw new Error(`no partner ${id}`);
  return p;
};
const homestead = partner('homegroup-discharge');
const tynebridge = partner('tynebridge-council');
const selected = (versions: Agreement[], iso: string) => selectVersion(DISCHARGE_ID, versions, new Date(iso));
const codes = (a: Agreement, event: DecisionEvent, recipient = homestead) =>
  ruleFailures(a, event, recipient).map((r) => r.code);
const withScope = (a: Agreement, scope: Agreement['scope']): Agreement => ({ ...a, scope });

describe('selectVersion(): the version in force on the London date of now', () => {
  it('reads now as the calendar day in England', () => {
    expect(londonDate(new Date('2026-03-31T23:30:00Z'))).toBe('2026-04-01');
    expect(londonDate(new Date('2026-11-23T23:30:00Z'))).toBe('2026-11-23');
  });

  it('an agreement is in force from the first minute of its first day in England', () => {
    // 00:30 on 1 April in British Summer Time is 23:30 UTC on 31 March.
    const s = selected([v1, v2], '2026-03-31T23:30:00Z');
    expect(s.kind === 'found' && s.agreement.version).toBe(2);
  });

  it('an agreement is in force until the last minute of its last day in England', () => {
    const s = selected([v1, v2], '2027-03-31T22:30:00Z');
    expect(s.kind === 'found' && s.agreement.version).toBe(2);
  });

  it('from the day after its last day an agreement has ended, and the reason names the version', () => {
    expect(selected([v1, v2], '2027-03-31T23:00:00Z')).toEqual({
      kind: 'none',
      reason: {
        code: 'agreement-expired',
        text: `Agreement ${DISCHARGE_ID} v2 ended on 2027-03-31`,
        agreementId: DISCHARGE_ID,
      },
    });
  });

  it('the day before its first day an agreement is not yet in force', () => {
    expect(selected([v1, v2], '2025-03-31T12:00:00Z')).toEqual({
      kind: 'none',
      reason: {
        code: 'agreement-not-yet-effective',
        text: `Agreement ${DISCHARGE_ID} starts after 2025-03-31`,
        agreementId: DISCHARGE_ID,
      },
    });
  });

  it('of several ended versions, the latest is the one reported', () => {
    const s = selected([v1, v2], '2028-01-01T12:00:00Z');
    expect(s.kind === 'none' && s.reason.text).toBe(`Agreement ${DISCHARGE_ID} v2 ended on 2027-03-31`);
    const reversed = selected([v2, v1], '2028-01-01T12:00:00Z');
    expect(reversed.kind === 'none' && reversed.reason.text).toContain('v2 ended');
  });

  it('an agreement without an end date stays in force', () => {
    const open: Agreement = { ...v2, effective: { from: '2026-04-01' } };
    const s = selected([open], '2040-06-01T12:00:00Z');
    expect(s.kind === 'found' && s.agreement.version).toBe(2);
  });

  it('a draft version in force today is never used, whatever its place in the list', () => {
    const draft: Agreement = { ...v2, version: 3, status: 'draft', effective: { from: '2026-11-01' } };
    for (const versions of [
      [draft, v1, v2],
      [v1, v2, draft],
    ]) {
      const s = selected(versions, '2026-11-23T10:00:00Z');
      expect(s.kind === 'found' && s.agreement.version).toBe(2);
    }
  });

  it('an agreement that exists only as a draft is not in force on its dates', () => {
    const draft: Agreement = { ...v2, status: 'draft', effective: { from: '2026-11-23' } };
    expect(selected([draft], '2026-11-23T10:00:00Z')).toEqual({
      kind: 'none',
      reason: {
        code: 'agreement-expired',
        text: `Agreement ${DISCHARGE_ID} is not in force on 2026-11-23`,
        agreementId: DISCHARGE_ID,
      },
    });
  });

  it('a started draft beside a version not yet in force: not in force today, rather than not yet effective', () => {
    const draft: Agreement = { ...v2, version: 3, status: 'draft', effective: { from: '2026-11-01' } };
    const next: Agreement = { ...v2, version: 4, effective: { from: '2027-01-01' } };
    const s = selected([draft, next], '2026-11-23T10:00:00Z');
    expect(s.kind === 'none' && s.reason.code).toBe('agreement-expired');
    expect(selected([next], '2026-11-23T10:00:00Z')).toMatchObject({
      reason: { code: 'agreement-not-yet-effective' },
    });
  });

  it('a draft that ended is not the version reported ended', () => {
    const draft: Agreement = {
      ...v2,
      version: 3,
      status: 'draft',
      effective: { from: '2026-04-01', to: '2026-06-30' },
    };
    const s = selected([v1, draft], '2026-11-23T10:00:00Z');
    expect(s.kind === 'none' && s.reason.text).toBe(`Agreement ${DISCHARGE_ID} v1 ended on 2026-03-31`);
  });

  it('decide() passes over a draft version for the active one in force', () => {
    const draft: Agreement = { ...v2, version: 3, status: 'draft', effective: { from: '2026-11-01' } };
    const agreements = [draft, ...registry.agreements];
    const d = decide(
      input('homegroup-discharge', dischargeEvent, [permitFor('HHA01', DISCHARGE)], { agreements }),
    );
    expect([d.outcome, d.agreement?.version]).toEqual(['permit', 2]);
  });
});

describe('ruleFailures(): the event within the agreement', () => {
  it('a version that is not active is named with its status', () => {
    expect(ruleFailures(v1, dischargeEvent, homestead)).toEqual([
      {
        code: 'agreement-not-active',
        text: `Agreement ${DISCHARGE_ID} v1 is terminated`,
        agreementId: DISCHARGE_ID,
      },
    ]);
  });

  it('an event the agreement covers breaks no rule', () => {
    expect(codes(v2, dischargeEvent)).toEqual([]);
  });

  it('an event without an encounter class is outside an agreement limited to classes', () => {
    const { encounterClass: _, ...noClass } = dischargeEvent;
    expect(ruleFailures(v2, noClass, homestead)).toEqual([
      {
        code: 'encounter-class-not-covered',
        text: `Encounter class (none) is outside agreement ${DISCHARGE_ID}`,
        agreementId: DISCHARGE_ID,
      },
    ]);
  });

  it('an empty list of encounter classes or service types limits nothing', () => {
    const open = withScope(v2, { ...v2.scope, encounterClasses: [], serviceTypes: [] });
    expect(codes(open, { ...dischargeEvent, encounterClass: 'EMER', serviceTypes: ['maternity'] })).toEqual(
      [],
    );
  });

  it('an encounter class outside the agreement is named', () => {
    expect(ruleFailures(v2, { ...dischargeEvent, encounterClass: 'EMER' }, homestead)[0]?.text).toBe(
      `Encounter class EMER is outside agreement ${DISCHARGE_ID}`,
    );
  });

  it('an event without a service type is outside an agreement limited to service types', () => {
    const { serviceTypes: _, ...noService } = dischargeEvent;
    expect(codes(v2, noService)).toEqual(['service-type-not-covered']);
  });

  it('an event of any of the agreement’s service types is covered', () => {
    expect(codes(v2, { ...dischargeEvent, serviceTypes: ['maternity', 'general-acute'] })).toEqual([]);
  });

  it('a requested purpose equal to the agreement’s is covered', () => {
    expect(codes(v2, { ...dischargeEvent, requestedPurpose: DISCHARGE })).toEqual([]);
    expect(ruleFailures(v2, { ...dischargeEvent, requestedPurpose: DTR }, homestead)[0]?.text).toBe(
      `Requested purpose ${DTR} is not the agreement's (${DISCHARGE})`,
    );
  });

  it('discharge support outside the catchment names the district', () => {
    expect(ruleFailures(v2, { ...dischargeEvent, postcodeDistrict: 'NE20' }, homestead)).toEqual([
      {
        code: 'out-of-catchment',
        text: `Home postcode district NE20 is outside agreement ${DISCHARGE_ID}`,
        agreementId: DISCHARGE_ID,
      },
    ]);
  });

  it('discharge support under an agreement without a catchment covers any district', () => {
    const { catchment: _, ...noCatchment } = v2.scope;
    expect(codes(withScope(v2, noCatchment), { ...dischargeEvent, postcodeDistrict: 'ZE1' })).toEqual([]);
    const empty = withScope(v2, { ...v2.scope, catchment: { postcodeDistricts: [] } });
    expect(codes(empty, { ...dischargeEvent, postcodeDistrict: 'ZE1' })).toEqual([]);
  });
});

describe('ruleFailures(): Duty to Refer goes to the authority the person chose (s.213B(2))', () => {
  const dtr = version(DTR_ID, 1);

  it('the chosen authority is covered', () => {
    expect(codes(dtr, dtrEvent, tynebridge)).toEqual([]);
  });

  it('an authority the person did not choose is refused by name', () => {
    expect(ruleFailures(dtr, { ...dtrEvent, chosenRecipientOds: ['LWM02'] }, tynebridge)).toEqual([
      {
        code: 'not-chosen-authority',
        text: `The person chose another housing authority, not ${tynebridge.name}`,
        agreementId: DTR_ID,
      },
    ]);
  });

  it('with no authority chosen, routing by district needs the agreement to allow it', () => {
    const none = { ...dtrEvent, chosenRecipientOds: undefined };
    expect(codes(dtr, none, tynebridge)).toEqual([]);
    const notDefault = withScope(dtr, {
      catchment: { postcodeDistricts: ['NE4'], defaultForDistricts: false },
    });
    expect(ruleFailures(notDefault, none, tynebridge)).toEqual([
      {
        code: 'out-of-catchment',
        text: `No authority chosen and the home postcode district is outside ${tynebridge.name}'s area`,
        agreementId: DTR_ID,
      },
    ]);
    const { catchment: _, ...noCatchment } = dtr.scope;
    expect(codes(withScope(dtr, noCatchment), none, tynebridge)).toEqual(['out-of-catchment']);
  });
});
