import { describe, expect, it } from 'vitest';
import type { EventCode } from '../../src/config/registry-types.js';
import {
  acceptedEventCodings,
  BARS_EVENT_SYSTEM,
  HOUSING_EVENTS_SYSTEM,
  housingEventFor,
  housingEventsCodeSystem,
  V2_EVENT_SYSTEM,
} from '../../src/fhir/housing-events.js';
import { r4Errors } from './r4-validator.js';

const ALL: EventCode[] = [
  'admission',
  'housing-need-identified',
  'expected-discharge',
  'discharge',
  'referral-request',
  'consent-updated',
  'referral-cancel',
];

describe('housing events', () => {
  it.each(ALL)('accepts the gateway code %s', (code) => {
    expect(housingEventFor({ system: HOUSING_EVENTS_SYSTEM, code })).toBe(code);
  });

  it.each([
    [V2_EVENT_SYSTEM, 'A01', 'admission'],
    [V2_EVENT_SYSTEM, 'A16', 'expected-discharge'],
    [V2_EVENT_SYSTEM, 'A03', 'discharge'],
    [BARS_EVENT_SYSTEM, 'servicerequest-request', 'referral-request'],
  ])('maps %s|%s onto %s', (system, code, expected) => {
    expect(housingEventFor({ system, code })).toBe(expected);
  });

  it.each([
    [V2_EVENT_SYSTEM, 'A08'],
    [HOUSING_EVENTS_SYSTEM, 'Admission'],
    ['http://example.org/events', 'admission'],
    [V2_EVENT_SYSTEM, 'toString'],
    [undefined, 'admission'],
  ])('does not know %s|%s', (system, code) => {
    expect(housingEventFor({ system, code })).toBeUndefined();
  });

  it('lists every accepted coding once', () => {
    const all = acceptedEventCodings().map((c) => `${c.system}|${c.code}`);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(ALL.length + 4);
  });

  it('publishes a valid R4 CodeSystem with every event the registry knows', () => {
    const cs = housingEventsCodeSystem('0.1.0');
    expect(cs.concept?.map((c) => c.code)).toEqual(ALL);
    expect(cs.count).toBe(ALL.length);
    expect(r4Errors(cs)).toEqual([]);
  });
});
