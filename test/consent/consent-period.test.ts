/**
 * Issue 17 item 2: when a Consent provision holds. `provision.period` is inclusive at both ends
 * to the precision written (FHIR R4 dateTime: `2026-11-23` is that whole day, `2026-11` that
 * month), a date without a time being a calendar day in England (src/consent/fhir-time.ts).
 * A period the gateway cannot read keeps a deny and drops a permit.
 */
import type { Consent } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/consent/decide.js';
import { earliest, latest } from '../../src/consent/fhir-time.js';
import type { ReasonCode } from '../../src/consent/types.js';
import { consent, DISCHARGE, dischargeEvent, input, permitFor } from './builders.js';

const HHA = 'HHA01';
/** NOW in the builders is 2026-11-23T10:00:00Z (a Monday in GMT). */
const at = (iso: string) => ({ now: new Date(iso) });

interface Case {
  name: string;
  consents: Consent[];
  now?: string;
  outcome: 'permit' | 'withhold';
  reasons: ReasonCode[];
}

const period = (start: string | undefined, end: string | undefined) => ({
  period: { ...(start ? { start } : {}), ...(end ? { end } : {}) },
});
const denyFor = (p: ReturnType<typeof period>) =>
  consent({ provision: { type: 'deny', ...p, actor: permitFor(HHA, DISCHARGE).provision?.actor ?? [] } });

const cases: Case[] = [
  {
    name: 'an active permit that started in the past and ends in the future holds',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01-01', '2027-06-30'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'an active permit with a past start and no end holds',
    consents: [permitFor(HHA, DISCHARGE, period('2025-06-01T09:00:00Z', undefined))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'an active permit with no start and a future end holds',
    consents: [permitFor(HHA, DISCHARGE, period(undefined, '2027-01-01T00:00:00Z'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'an active deny that started in the past and ends in the future withholds',
    consents: [permitFor(HHA, DISCHARGE), denyFor(period('2026-01-01', '2027-06-30'))],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a permit ending today (date precision) still holds at 10:00',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01-01', '2026-11-23'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a permit that ended yesterday has expired',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01-01', '2026-11-22'))],
    outcome: 'withhold',
    reasons: ['consent-expired'],
  },
  {
    name: 'a permit ending at this very instant still holds',
    consents: [permitFor(HHA, DISCHARGE, period(undefined, '2026-11-23T10:00:00Z'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a permit that ended a second ago has expired',
    consents: [permitFor(HHA, DISCHARGE, period(undefined, '2026-11-23T09:59:59Z'))],
    outcome: 'withhold',
    reasons: ['consent-expired'],
  },
  {
    name: 'a permit starting today (date precision) holds',
    consents: [permitFor(HHA, DISCHARGE, period('2026-11-23', undefined))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a permit starting tomorrow does not hold yet',
    consents: [permitFor(HHA, DISCHARGE, period('2026-11-24', undefined))],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit starting a second from now does not hold yet',
    consents: [permitFor(HHA, DISCHARGE, period('2026-11-23T10:00:01Z', undefined))],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a permit ending this month (month precision) holds',
    consents: [permitFor(HHA, DISCHARGE, period('2026-11', '2026-11'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a permit ending last month has expired',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01', '2026-10'))],
    outcome: 'withhold',
    reasons: ['consent-expired'],
  },
  {
    name: 'a permit ending this year (year precision) holds',
    consents: [permitFor(HHA, DISCHARGE, period('2026', '2026'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a deny ending today still withholds (date precision)',
    consents: [permitFor(HHA, DISCHARGE), denyFor(period('2026-11-01', '2026-11-23'))],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
  {
    name: 'a deny that ended yesterday no longer withholds',
    consents: [permitFor(HHA, DISCHARGE), denyFor(period('2026-11-01', '2026-11-22'))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'a deny starting tomorrow does not withhold yet',
    consents: [permitFor(HHA, DISCHARGE), denyFor(period('2026-11-24', undefined))],
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'in summer time, a permit ending on a day holds until midnight in England',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01-01', '2026-07-01'))],
    now: '2026-07-01T22:59:59Z',
    outcome: 'permit',
    reasons: [],
  },
  {
    name: 'in summer time, a permit ending on a day has expired from midnight in England',
    consents: [permitFor(HHA, DISCHARGE, period('2026-01-01', '2026-07-01'))],
    now: '2026-07-01T23:00:00Z',
    outcome: 'withhold',
    reasons: ['consent-expired'],
  },
  {
    name: 'a permit whose period the gateway cannot read does not count',
    consents: [permitFor(HHA, DISCHARGE, period('not-a-date', undefined))],
    outcome: 'withhold',
    reasons: ['consent-not-covering'],
  },
  {
    name: 'a deny whose period the gateway cannot read still withholds',
    consents: [permitFor(HHA, DISCHARGE), denyFor(period(undefined, 'soon'))],
    outcome: 'withhold',
    reasons: ['consent-denied'],
  },
];

describe('provision.period: inclusive, to the precision written (issue 17 item 2)', () => {
  it.each(cases)('$name', (c) => {
    const d = decide(input('homegroup-discharge', dischargeEvent, c.consents, c.now ? at(c.now) : {}));
    expect([d.outcome, d.reasons.map((r) => r.code)]).toEqual([c.outcome, c.reasons]);
  });
});

describe('fhir-time: the instants a FHIR date or dateTime covers', () => {
  it.each([
    ['2026', '2026-01-01T00:00:00.000Z', '2026-12-31T23:59:59.999Z'],
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-02-28T23:59:59.999Z'],
    ['2026-11-23', '2026-11-23T00:00:00.000Z', '2026-11-23T23:59:59.999Z'],
    ['2026-07-01', '2026-06-30T23:00:00.000Z', '2026-07-01T22:59:59.999Z'],
    ['2026-03-29', '2026-03-29T00:00:00.000Z', '2026-03-29T22:59:59.999Z'],
    ['2026-10-25', '2026-10-24T23:00:00.000Z', '2026-10-25T23:59:59.999Z'],
    ['2026-12', '2026-12-01T00:00:00.000Z', '2026-12-31T23:59:59.999Z'],
    ['2016-06-23T17:02:33+10:00', '2016-06-23T07:02:33.000Z', '2016-06-23T07:02:33.000Z'],
  ])('%s covers %s .. %s', (v, from, to) => {
    expect(new Date(earliest(v)).toISOString()).toBe(from);
    expect(new Date(latest(v)).toISOString()).toBe(to);
  });

  it('a value that is not a date covers nothing the gateway can compare', () => {
    expect(earliest('soon')).toBeNaN();
    expect(latest('2026-1x')).toBeNaN();
  });
});
