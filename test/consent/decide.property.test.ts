import fc from 'fast-check';
import type { Consent, ConsentProvision } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { Agreement, AgreementStatus, EventCode } from '../../src/config/registry-types.js';
import { londonDate } from '../../src/consent/agreement-rules.js';
import { DATA_CLASSES } from '../../src/consent/data-classes.js';
import { decide } from '../../src/consent/decide.js';
import type { DecisionEvent, DecisionInput } from '../../src/consent/types.js';
import { propertyRuns } from '../helpers/property-runs.js';
import {
  actor,
  consent,
  DISCHARGE,
  DTR,
  dataClass,
  dischargeEvent,
  dtrEvent,
  input,
  purpose,
  registry,
} from './builders.js';

const RECIPIENTS = ['homegroup-discharge', 'tynebridge-council', 'wearmouth-council'] as const;
const ODS = ['HHA01', 'LTB01', 'LWM02', 'ZZZ99'];
const EVENTS: EventCode[] = [
  'admission',
  'housing-need-identified',
  'expected-discharge',
  'discharge',
  'referral-request',
];
const DAYS = [
  '2025-06-01',
  '2026-03-30',
  '2026-04-02',
  '2026-11-20',
  '2027-03-31',
  '2027-06-01',
  '2028-04-01',
];

const arbProvision: fc.Arbitrary<ConsentProvision> = fc.letrec<{ p: ConsentProvision }>((tie) => ({
  p: fc.record(
    {
      type: fc.constantFrom<'permit' | 'deny'>('permit', 'deny'),
      actor: fc.option(
        fc.constantFrom(...ODS).map((o) => [actor(o)]),
        { nil: undefined },
      ),
      purpose: fc.option(
        fc.constantFrom(DISCHARGE, DTR, 'other').map((p) => [purpose(p)]),
        { nil: undefined },
      ),
      class: fc.option(
        fc.subarray(Object.keys(DATA_CLASSES), { minLength: 1, maxLength: 2 }).map((cs) => cs.map(dataClass)),
        {
          nil: undefined,
        },
      ),
      period: fc.option(
        fc.constantFrom({ end: '2026-10-01' }, { start: '2027-01-01' }, { start: '2026-01-01' }),
        { nil: undefined },
      ),
      provision: fc.option(fc.array(tie('p'), { maxLength: 2 }), { nil: undefined, depthSize: 'small' }),
    },
    { requiredKeys: ['type'] },
  ),
})).p;

/** A consent as wards record them: permit for one organisation and purpose. */
const arbSimplePermit: fc.Arbitrary<Consent> = fc
  .record({ ods: fc.constantFrom(...ODS), purpose: fc.constantFrom(DISCHARGE, DTR) })
  .map(({ ods, purpose: p }) =>
    consent({ provision: { type: 'permit', actor: [actor(ods)], purpose: [purpose(p)] } }),
  );

const arbRandomConsent: fc.Arbitrary<Consent> = fc
  .record({
    status: fc.constantFrom<Consent['status']>('active', 'active', 'inactive', 'rejected', 'draft'),
    series: fc.constantFrom('a', 'b', 'c'),
    dateTime: fc.constantFrom('2026-11-01T00:00:00Z', '2026-11-10T00:00:00Z', '2026-11-20T00:00:00Z'),
    provision: arbProvision,
  })
  .map((o) => consent(o));

const arbConsent = fc.oneof(
  { weight: 2, arbitrary: arbSimplePermit },
  { weight: 1, arbitrary: arbRandomConsent },
);

const arbStatus = fc.constantFrom<AgreementStatus>('active', 'active', 'draft', 'suspended', 'terminated');
/** The sample agreements with random statuses and effective periods. */
const arbChangedAgreements: fc.Arbitrary<Agreement[]> = fc
  .array(
    fc.tuple(arbStatus, fc.constantFrom(...DAYS), fc.option(fc.constantFrom(...DAYS), { nil: undefined })),
    {
      minLength: registry.agreements.length,
      maxLength: registry.agreements.length,
    },
  )
  .map((changes) =>
    registry.agreements.map((a, i) => {
      const [status, from, to] = changes[i] ?? ['active', '2026-01-01', undefined];
      const effective =
        to === undefined || to >= from ? { from, ...(to ? { to } : {}) } : { from: to, to: from };
      return { ...a, status, effective };
    }),
  );
const arbAgreements = fc.oneof(
  { weight: 1, arbitrary: fc.constant([...registry.agreements]) },
  { weight: 1, arbitrary: arbChangedAgreements },
);
/** Dates weighted towards now, when the sample agreements are in force. */
const arbDay = fc.constantFrom(...DAYS, '2026-11-20', '2026-11-20', '2026-11-20');

const arbRandomEvent: fc.Arbitrary<DecisionEvent> = fc.record({
  code: fc.constantFrom(...EVENTS),
  occurredAt: arbDay.map((d) => `${d}T12:00:00Z`),
  sender: fc.constantFrom('north-coast-trust', 'riverside-trust'),
  encounterClass: fc.constantFrom('IMP', 'IMP', 'EMER', 'AMB'),
  serviceTypes: fc.constantFrom(['mental-health-inpatient'], ['general-acute'], []),
  postcodeDistrict: fc.constantFrom('NE4', 'NE10', 'SR1', 'NE99'),
  chosenRecipientOds: fc.constantFrom([], ['LTB01'], ['LWM02']),
  restricted: fc.constantFrom(false, false, false, true),
});

/** Events shaped like the sample agreements expect, so that permits are common. */
const arbLikelyEvent: fc.Arbitrary<DecisionEvent> = fc.constantFrom<DecisionEvent>(
  dischargeEvent,
  dtrEvent,
  { ...dtrEvent, chosenRecipientOds: [] },
  { ...dischargeEvent, sender: 'riverside-trust', serviceTypes: ['general-acute'], postcodeDistrict: 'NE10' },
  {
    ...dischargeEvent,
    sender: 'riverside-trust',
    code: 'housing-need-identified',
    encounterClass: 'EMER',
    postcodeDistrict: 'NE10',
  },
);
const arbEvent = fc.oneof(arbRandomEvent, arbLikelyEvent);

const arbInput = fc
  .record({
    recipient: fc.constantFrom(...RECIPIENTS),
    event: arbEvent,
    consents: fc.array(arbConsent, { maxLength: 4 }),
    agreements: arbAgreements,
    now: arbDay.map((d) => new Date(`${d}T18:00:00Z`)),
  })
  .map(({ recipient, event, consents, agreements, now }) =>
    input(recipient, event, consents, { agreements, now }),
  );

const inForce = (a: Agreement, day: string) =>
  a.effective.from <= day && (!a.effective.to || day <= a.effective.to);
const RUNS = { numRuns: propertyRuns(1500), seed: 20261123 };
let permits = 0;

describe('decide(): properties', () => {
  // Issue 17 item 3: in force on the gateway's date (now), whatever dates the message carries.
  it('never permits when no active agreement for the pair is in force now', () => {
    fc.assert(
      fc.property(arbInput, (i: DecisionInput) => {
        const today = londonDate(i.now);
        const covering = i.agreements.some(
          (a) =>
            a.discloser === i.event.sender &&
            a.recipient === i.recipient.id &&
            a.status === 'active' &&
            inForce(a, today),
        );
        if (!covering) expect(decide(i).outcome).toBe('withhold');
      }),
      RUNS,
    );
  });

  it('adding a deny consent never turns withhold into permit, nor widens the fields', () => {
    fc.assert(
      fc.property(arbInput, arbProvision, (i: DecisionInput, extra) => {
        const before = decide(i);
        const after = decide({
          ...i,
          consents: [...i.consents, consent({ provision: { ...extra, type: 'deny' } })],
        });
        if (before.outcome === 'withhold') expect(after.outcome).toBe('withhold');
        if (
          after.outcome === 'permit' &&
          before.outcome === 'permit' &&
          after.agreement.id === before.agreement.id
        ) {
          expect(after.fields.every((f) => before.fields.includes(f))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('the disclosed fields are always a subset of the agreement version used', () => {
    fc.assert(
      fc.property(arbInput, (i: DecisionInput) => {
        const d = decide(i);
        if (d.outcome !== 'permit') return;
        permits++;
        const a = i.agreements.find((x) => x.id === d.agreement.id && x.version === d.agreement.version);
        expect(a).toBeDefined();
        expect(d.fields.every((f) => a?.fields.includes(f))).toBe(true);
        expect(d.fields.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
    // The generators must reach permits often enough for the properties to mean something
    // (more than 1 run in 100).
    expect(permits).toBeGreaterThan(RUNS.numRuns / 100);
  });
});
