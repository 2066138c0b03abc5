/**
 * The checks made again at send time (src/delivery/send-checks.ts), called directly: the
 * agreement and referral (sendBlocker), and the consents the referral's stay stands on
 * (consentAtSend), remembered in a real in-memory SQLite store, with the trust's FHIR server
 * played by a TrustFhir that answers what each test says and records what it was asked.
 */
import type { Consent } from 'fhir/r4.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import type { ConsentRecheckTuning } from '../../src/config/consent-recheck-settings.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Agreement, Partner, Registry } from '../../src/config/registry-types.js';
import {
  minimised,
  recall,
  remember,
  type SourcedConsent,
  stayOf,
} from '../../src/consent/consent-memory.js';
import { consentAtSend, sendBlocker } from '../../src/delivery/send-checks.js';
import type { RemoteRead, TrustFhir } from '../../src/fhir/trust-fhir.js';
import type { ReferralRow } from '../../src/referral/referral-store.js';
import { openStore, type Store } from '../../src/store/index.js';
import { sampleEvent } from '../mapping/sample-event.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const MINUTE = 60_000;
const TUNING: ConsentRecheckTuning = {
  consentRecheckAfterMs: 15 * MINUTE,
  consentMaxAgeMs: 24 * 60 * MINUTE,
};
const AGREEMENT = 'dsa-north-coast-homestead-discharge';
const sample = loadRegistry('consent');

/** The sample registry with `partner` in place of the one of the same id. */
function withPartner(base: Registry, partner: Partner): Registry {
  const partners = new Map(base.partners);
  partners.set(partner.id, partner);
  return { ...base, partners, partner: (id) => partners.get(id) };
}

const referral = (over: Partial<ReferralRow> = {}): ReferralRow => ({
  id: 'ref-1',
  event_id: 'e1',
  decision_id: 'd1',
  sender: 'north-coast-trust',
  recipient: 'homegroup-discharge',
  episode_key: 'north-coast-trust|ENC-1|subject',
  type: 'discharge-support',
  status: 'queued',
  priority: 'urgent',
  due_by: null,
  dataset: '{}',
  dataset_fields: '[]',
  subject_hmac: 'subject',
  created_at: NOW.toISOString(),
  updated_at: NOW.toISOString(),
  version: 1,
  agreement_id: AGREEMENT,
  agreement_version: 2,
  response: null,
  ...over,
});

/** The sample registry with agreement version 2 of AGREEMENT changed by `f`. */
function withAgreement(f: (a: Agreement) => Agreement, base: Registry = sample): Registry {
  const agreements = base.agreements.map((a) => (a.id === AGREEMENT && a.version === 2 ? f(a) : a));
  return { ...base, agreements, versions: (id) => agreements.filter((a) => a.id === id) };
}

describe('sendBlocker: the agreement and the referral at send time', () => {
  const at = (iso: string) => new Date(iso);
  const effective = (from: string, to?: string) =>
    withAgreement((a) => ({ ...a, effective: to ? { from, to } : { from } }));

  it('lets a message carrying the dataset go while its agreement version is active and in force', () => {
    expect(sendBlocker(sample, referral(), { kind: 'referral' }, NOW)).toBeUndefined();
    expect(sendBlocker(sample, referral(), { kind: 'update' }, NOW)).toBeUndefined();
  });

  it('never stops a notice: a cancellation still goes when the referral is cancelled and the agreement ended', () => {
    const ended = withAgreement((a) => ({ ...a, status: 'terminated' }));
    const cancelled = referral({ status: 'cancelled' });
    expect(sendBlocker(ended, cancelled, { kind: 'cancel' }, NOW)).toBeUndefined();
    expect(sendBlocker(ended, cancelled, { kind: 'consent-withdrawn' }, NOW)).toBeUndefined();
  });

  it('stops the dataset of a referral cancelled since queueing', () => {
    expect(sendBlocker(sample, referral({ status: 'cancelled' }), { kind: 'update' }, NOW)).toBe(
      'referral-cancelled',
    );
  });

  it('stops the dataset when its agreement version is suspended or terminated', () => {
    for (const status of ['suspended', 'terminated'] as const) {
      const registry = withAgreement((a) => ({ ...a, status }));
      expect(sendBlocker(registry, referral(), { kind: 'referral' }, NOW)).toBe('agreement-ended');
    }
  });

  it('stops the dataset when the registry no longer has the agreement version it was made under', () => {
    expect(sendBlocker(sample, referral({ agreement_version: 3 }), { kind: 'referral' }, NOW)).toBe(
      'agreement-ended',
    );
    expect(sendBlocker(sample, referral({ agreement_id: null }), { kind: 'referral' }, NOW)).toBe(
      'agreement-ended',
    );
  });

  it('holds an agreement in force on both of its dates, inclusive, and not a day outside them', () => {
    const send = (r: Registry, now: Date) => sendBlocker(r, referral(), { kind: 'referral' }, now);
    expect(send(effective('2026-11-23', '2026-11-23'), NOW)).toBeUndefined();
    expect(send(effective('2026-11-24'), NOW)).toBe('agreement-ended');
    expect(send(effective('2026-01-01', '2026-11-22'), NOW)).toBe('agreement-ended');
    expect(send(effective('2026-01-01'), NOW)).toBeUndefined();
  });

  it("reads the agreement's dates as calendar days in England (23:30 UTC in summer is the next day)", () => {
    const registry = effective('2026-01-01', '2026-06-30');
    expect(
      sendBlocker(registry, referral(), { kind: 'referral' }, at('2026-06-30T22:59:00Z')),
    ).toBeUndefined();
    expect(sendBlocker(registry, referral(), { kind: 'referral' }, at('2026-06-30T23:30:00Z'))).toBe(
      'agreement-ended',
    );
  });
});

/** A TrustFhir answering each read from `answers` (by Consent id) and recording the reads asked. */
function trustServer(answers: Record<string, RemoteRead>) {
  const reads: Array<{ partner: string; type: string; id: string }> = [];
  const fhir: TrustFhir = {
    read: async (partner, type, id) => {
      reads.push({ partner: partner.id, type, id });
      return answers[id] ?? { kind: 'not-found', status: 404 };
    },
    searchConsents: () => Promise.reject(new Error('no search at send time')),
  };
  return { fhir, reads };
}

const patient = sampleEvent().patient;
const messageConsent = sampleEvent().consents[0] as Consent;
/** The sample Consent, as the trust's server would serve it (by id, with the person named). */
const served = (over: Partial<Consent> = {}): Consent => ({ ...messageConsent, ...over });
const found = (c: Consent): RemoteRead => ({ kind: 'found', resource: c as never });

let store: Store;
let clock: ReturnType<typeof fixedClock>;
const key = {
  subjectHmac: 'subject',
  recipient: 'homegroup-discharge',
  stay: stayOf(referral().episode_key),
};

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  clock = fixedClock(NOW);
});

/** Remember `consents` for the referral's stay, obtained `minutesAgo` before now. */
async function remembered(
  consents: Array<{ consent: Consent; source: SourcedConsent['source']; minutesAgo: number }>,
) {
  await store.transaction((tx) =>
    remember(
      tx,
      key,
      consents.map((c) => ({
        resource: minimised(c.consent, patient),
        source: c.source,
        obtainedAt: new Date(NOW.getTime() - c.minutesAgo * MINUTE).toISOString(),
      })),
      { trustSearched: false, at: NOW },
    ),
  );
}

const check = (
  o: { trustFhir?: TrustFhir; registry?: Registry; row?: ReferralRow; kind?: 'referral' | 'cancel' } = {},
) =>
  consentAtSend(
    { store, registry: o.registry ?? sample, clock, trustFhir: o.trustFhir },
    o.row ?? referral(),
    { kind: o.kind ?? 'referral' },
    TUNING,
  );

describe('consentAtSend: the consents the referral rests on, at send time', () => {
  it('sends on a remembered consent that still allows the referral', async () => {
    await remembered([{ consent: messageConsent, source: 'message', minutesAgo: 60 }]);
    expect(await check()).toEqual({ kind: 'ok' });
  });

  it('withholds the dataset when the remembered consent has been withdrawn (inactive), naming it', async () => {
    await remembered([{ consent: served({ status: 'inactive' }), source: 'message', minutesAgo: 60 }]);
    const out = await check();
    expect(out).toMatchObject({ kind: 'withdrawn', consents: [{ reference: 'Consent/cons1' }] });
    expect(out.kind === 'withdrawn' && out.reasons.length).toBeGreaterThan(0);
  });

  it('does not check a notice: a cancellation goes whatever the consents now say', async () => {
    await remembered([{ consent: served({ status: 'inactive' }), source: 'message', minutesAgo: 60 }]);
    expect(await check({ kind: 'cancel' })).toEqual({ kind: 'ok' });
  });

  it('checks a referral with nothing remembered for its stay against its agreement only', async () => {
    await remembered([{ consent: served({ status: 'inactive' }), source: 'message', minutesAgo: 60 }]);
    expect(await check({ row: referral({ episode_key: 'another stay' }) })).toEqual({ kind: 'ok' });
    expect(await check({ row: referral({ subject_hmac: null }) })).toEqual({ kind: 'ok' });
  });

  it('leaves a referral whose agreement or recipient is gone to sendBlocker (no consent check)', async () => {
    await remembered([{ consent: served({ status: 'inactive' }), source: 'message', minutesAgo: 60 }]);
    expect(await check({ row: referral({ agreement_version: 3 }) })).toEqual({ kind: 'ok' });
    const partners = new Map(sample.partners);
    partners.delete('homegroup-discharge');
    const noRecipient: Registry = { ...sample, partners, partner: (id) => partners.get(id) };
    expect(await check({ registry: noRecipient })).toEqual({ kind: 'ok' });
  });

  it("never reads a consent that came in the message again, however old: only the trust's server can change", async () => {
    const server = trustServer({});
    await remembered([{ consent: messageConsent, source: 'message', minutesAgo: 23 * 60 }]);
    expect(await check({ trustFhir: server.fhir })).toEqual({ kind: 'ok' });
    expect(server.reads).toEqual([]);
  });

  it("does not read a server's consent again until it is older than CONSENT_RECHECK_AFTER_MS", async () => {
    const server = trustServer({});
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 15 }]);
    expect(await check({ trustFhir: server.fhir })).toEqual({ kind: 'ok' });
    expect(server.reads).toEqual([]);
  });

  it("reads a stale server consent again by id from the sending trust's server, and sends on its current version", async () => {
    const server = trustServer({ cons1: found(served()) });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    expect(await check({ trustFhir: server.fhir })).toEqual({ kind: 'ok' });
    expect(server.reads).toEqual([{ partner: 'north-coast-trust', type: 'Consent', id: 'cons1' }]);
  });

  it('remembers the version read again as just obtained (so the next send does not read it again), minimised', async () => {
    const server = trustServer({ cons1: found(served({ text: { status: 'generated', div: 'Ada' } })) });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    await check({ trustFhir: server.fhir });
    const after = await recall(store.db, key);
    expect(after.consents).toHaveLength(1);
    expect(after.consents[0]).toMatchObject({ source: 'trust-fhir', obtainedAt: NOW.toISOString() });
    const kept = JSON.stringify(after.consents[0]?.resource);
    expect(kept).not.toContain('Patient/p1');
    expect(kept).not.toContain('Ada');
    clock.advance(MINUTE);
    await check({ trustFhir: server.fhir });
    expect(server.reads).toHaveLength(1);
  });

  it("withholds when the server's current version is inactive, even if dated before the remembered one", async () => {
    const server = trustServer({
      cons1: found(served({ status: 'inactive', dateTime: '2026-11-01T00:00:00Z' })),
    });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    const out = await check({ trustFhir: server.fhir });
    expect(out).toMatchObject({ kind: 'withdrawn', consents: [{ reference: 'Consent/cons1' }] });
  });

  it('re-reading one stale consent leaves the other consents of the stay relied on', async () => {
    const series = (id: string) =>
      served({ id, identifier: [{ system: 'urn:example:consents', value: id }] });
    const server = trustServer({ consA: found(series('consA')) });
    await remembered([
      { consent: series('consA'), source: 'trust-fhir', minutesAgo: 16 },
      { consent: series('consB'), source: 'trust-fhir', minutesAgo: 5 },
    ]);
    expect(await check({ trustFhir: server.fhir })).toEqual({ kind: 'ok' });
    expect(server.reads.map((r) => r.id)).toEqual(['consA']);
    expect((await recall(store.db, key)).consents.map((c) => c.resource.id)).toEqual(['consA', 'consB']);
  });

  it("keeps of the server's current version only a recorder's display name, never a reference", async () => {
    const recorded = served({
      performer: [{ reference: 'Practitioner/pr1', display: 'Sam Synthetic-Reed' }],
    });
    const server = trustServer({ cons1: found(recorded) });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    expect(await check({ trustFhir: server.fhir })).toEqual({ kind: 'ok' });
    const [kept] = (await recall(store.db, key)).consents;
    expect(kept?.resource.performer).toEqual([{ display: 'Sam Synthetic-Reed' }]);
  });

  it('counts a consent the server no longer has (404/410) as withdrawn, and stops relying on it', async () => {
    const server = trustServer({ cons1: { kind: 'not-found', status: 410 } });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    const out = await check({ trustFhir: server.fhir });
    expect(out).toMatchObject({ kind: 'withdrawn', consents: [] });
    expect(await recall(store.db, key)).toEqual({ known: true, consents: [] });
  });

  it('does not send while the server cannot confirm a stale consent: unconfirmed, saying what the server did', async () => {
    const server = trustServer({ cons1: { kind: 'failed', failure: 'server-error', status: 503 } });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    expect(await check({ trustFhir: server.fhir })).toEqual({
      kind: 'unconfirmed',
      error: 'consent re-check: trust FHIR server server-error (503)',
      tooOld: false,
    });
    const timedOut = trustServer({ cons1: { kind: 'failed', failure: 'timeout' } });
    expect(await check({ trustFhir: timedOut.fhir })).toMatchObject({
      error: 'consent re-check: trust FHIR server timeout',
    });
    // What was remembered stands until the server answers.
    expect((await recall(store.db, key)).consents).toHaveLength(1);
  });

  it('marks an unconfirmed consent too old once any stale one was confirmed longer ago than CONSENT_MAX_AGE_MS', async () => {
    const down = trustServer({});
    down.fhir.read = async () => ({ kind: 'failed', failure: 'unreachable' });
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 24 * 60 }]);
    expect(await check({ trustFhir: down.fhir })).toMatchObject({ kind: 'unconfirmed', tooOld: false });
    await remembered([
      {
        consent: served({ id: 'cons2', identifier: [{ value: 'series-2' }] }),
        source: 'trust-fhir',
        minutesAgo: 24 * 60 + 1,
      },
    ]);
    expect(await check({ trustFhir: down.fhir })).toMatchObject({ kind: 'unconfirmed', tooOld: true });
  });

  it("cannot confirm a stale consent without the trust's server: none configured, or the trust has no FHIR base URL", async () => {
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    const unconfigured = {
      kind: 'unconfirmed',
      error: "consent re-check: the trust's FHIR server is not configured",
      tooOld: false,
    };
    expect(await check()).toEqual(unconfigured);
    const { fhirBaseUrl: _, ...noBase } = sample.partner('north-coast-trust') as Partner;
    const server = trustServer({ cons1: found(served()) });
    expect(await check({ trustFhir: server.fhir, registry: withPartner(sample, noBase as Partner) })).toEqual(
      unconfigured,
    );
    expect(server.reads).toEqual([]);
  });

  it('cannot confirm a stale consent from a trust the registry no longer lists', async () => {
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    const server = trustServer({ cons1: found(served()) });
    expect(await check({ trustFhir: server.fhir, row: referral({ sender: 'gone-trust' }) })).toMatchObject({
      kind: 'unconfirmed',
      error: "consent re-check: the trust's FHIR server is not configured",
    });
    expect(server.reads).toEqual([]);
  });

  it('refuses an answer that is not the Consent asked for (another type, or another id)', async () => {
    await remembered([{ consent: messageConsent, source: 'trust-fhir', minutesAgo: 16 }]);
    const wrong = {
      kind: 'unconfirmed',
      error: 'consent re-check: trust FHIR server gave something other than the Consent asked for',
      tooOld: false,
    };
    const patientInstead = trustServer({
      cons1: { kind: 'found', resource: { resourceType: 'Patient', id: 'cons1' } },
    });
    expect(await check({ trustFhir: patientInstead.fhir })).toEqual(wrong);
    const otherId = trustServer({ cons1: found(served({ id: 'cons9' })) });
    expect(await check({ trustFhir: otherId.fhir })).toEqual(wrong);
  });

  it('stops at the first failure: a later stale consent is not read once one has failed', async () => {
    const series = (id: string) =>
      served({ id, identifier: [{ system: 'urn:example:consents', value: id }] });
    const server = trustServer({
      consA: { kind: 'failed', failure: 'refused', status: 401 },
      consB: found(series('consB')),
    });
    await remembered([
      { consent: series('consA'), source: 'trust-fhir', minutesAgo: 16 },
      { consent: series('consB'), source: 'trust-fhir', minutesAgo: 16 },
    ]);
    expect(await check({ trustFhir: server.fhir })).toMatchObject({
      kind: 'unconfirmed',
      error: 'consent re-check: trust FHIR server refused (401)',
    });
    expect(server.reads.map((r) => r.id)).toEqual(['consA']);
  });
});
