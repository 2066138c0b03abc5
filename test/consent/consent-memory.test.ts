/**
 * Consent as a standing state (src/consent/consent-memory.ts, issue 17 item 11): what is kept of
 * a Consent (nothing that identifies the person), which version of a series stands, and how the
 * remembered set is recalled, replaced and withdrawn, over an in-memory SQLite store.
 */
import type { Consent } from 'fhir/r4.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateConsents } from '../../src/consent/consent-evaluation.js';
import {
  consentRefOf,
  markWithdrawn,
  minimised,
  REMEMBERED_PATIENT,
  recall,
  remember,
  type SourcedConsent,
  type StandingKey,
  seriesOf,
  standingSet,
  stayOf,
  withRememberedPatient,
} from '../../src/consent/consent-memory.js';
import { openStore, type Store } from '../../src/store/index.js';
import { consent, NHS, PATIENT_REF, patient, permitFor } from './builders.js';

const HHA = 'HHA01';
const DISCHARGE = 'hospital-discharge-housing-support';
const AT = '2026-11-20T14:00:00.000Z';

const sourced = (
  resource: Consent,
  source: SourcedConsent['source'] = 'message',
  obtainedAt = AT,
): SourcedConsent => ({
  resource,
  source,
  obtainedAt,
});

describe('what is remembered of a Consent', () => {
  it('the stay is a SHA-256 of the episode key: the same key, the same stay; the key itself is not kept', () => {
    const stay = stayOf('north-coast|V0001');
    expect(stay).toMatch(/^[0-9a-f]{64}$/);
    expect(stay).toBe(stayOf('north-coast|V0001'));
    expect(stay).not.toBe(stayOf('north-coast|V0002'));
    expect(stayOf('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('versions of one consent share a series: identifier system and value, else the id', () => {
    expect(seriesOf(consent({ series: 's1' }))).toBe('https://trust.example/consents|s1');
    expect(seriesOf({ ...consent({ id: 'x' }), identifier: [{ value: 's1' }] })).toBe('|s1');
    expect(
      seriesOf({ ...consent({ id: 'x' }), identifier: [{ system: 'https://trust.example/consents' }] }),
    ).toBe('id:x');
    const { identifier: _, id: __, ...bare } = consent({});
    expect(seriesOf(bare as Consent)).toBe('id:');
  });

  it('a consent is named by id and version, one without an id as unidentified', () => {
    expect(consentRefOf(consent({ id: 'c9', versionId: '2' }))).toStrictEqual({
      reference: 'Consent/c9',
      versionId: '2',
    });
    const { id: _, meta: __, ...bare } = consent({});
    expect(consentRefOf(bare as Consent)).toStrictEqual({ reference: 'Consent/unidentified' });
  });

  it('the person as remembered consents name them is added to how the event names them', () => {
    expect(withRememberedPatient(patient)).toStrictEqual({
      references: [...patient.references, REMEMBERED_PATIENT],
      nhsNumber: NHS,
    });
    expect(patient.references).not.toContain(REMEMBERED_PATIENT);
  });

  it('minimised keeps what the evaluation reads and points the patient at the placeholder', () => {
    const c: Consent = {
      ...permitFor(HHA, DISCHARGE, {}, { id: 'c1', versionId: '4', policyRule: 'OPTIN' }),
      meta: {
        versionId: '4',
        lastUpdated: '2026-11-18T09:00:00Z',
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }],
        source: 'https://trust.example/fhir',
        profile: ['https://trust.example/Consent'],
      },
      modifierExtension: [{ url: 'https://trust.example/x', valueBoolean: true }],
      policy: [{ uri: 'https://trust.example/policy' }],
      text: {
        status: 'generated',
        div: '<div xmlns="http://www.w3.org/1999/xhtml">Synthetic-Fenwick consents</div>',
      },
      sourceAttachment: { title: 'scan.pdf' },
      verification: [{ verified: true, verifiedWith: { reference: PATIENT_REF } }],
    };
    const { patient: _, text: __, sourceAttachment: ___, verification: ____, ...kept } = c;
    expect(minimised(c, patient)).toStrictEqual({
      ...kept,
      meta: { versionId: '4', lastUpdated: '2026-11-18T09:00:00Z', security: c.meta?.security },
      patient: { reference: REMEMBERED_PATIENT },
    });
  });

  it('a remembered consent still counts for the person it was about', () => {
    const kept = minimised(permitFor(HHA, DISCHARGE), patient);
    const e = evaluateConsents([kept], withRememberedPatient({ references: [] }), {
      recipientOds: HHA,
      purpose: DISCHARGE,
      at: new Date('2026-11-23T10:00:00Z'),
      fields: ['name'],
    });
    expect(Object.fromEntries(e.verdicts)).toEqual({ name: 'permit' });
  });

  it('minimised adds nothing a Consent does not have', () => {
    const bare: Consent = { resourceType: 'Consent', status: 'active', scope: {}, category: [] };
    expect(minimised(bare, patient)).toStrictEqual({
      resourceType: 'Consent',
      status: 'active',
      scope: {},
      category: [],
      patient: { reference: REMEMBERED_PATIENT },
    });
    expect(minimised({ ...bare, meta: {} }, patient)).toStrictEqual({
      ...minimised(bare, patient),
      meta: {},
    });
  });

  it('of who recorded the consent, only display names are kept, never the person’s own', () => {
    const c: Consent = {
      ...consent({}),
      performer: [
        { reference: 'Practitioner/pr1', display: 'Dr Synthetic-Okafor' },
        { reference: PATIENT_REF, display: 'Synthetic-Fenwick' },
        { reference: 'Patient/other', display: 'Synthetic-Other' },
        { type: 'Patient', display: 'Synthetic-Fenwick' },
        { reference: 'RelatedPerson/r1' },
      ],
      organization: [
        { reference: 'Organization/t', display: 'North Coast Trust' },
        { identifier: { value: 'R9N1C' } },
      ],
    };
    const m = minimised(c, patient);
    expect(m.performer).toStrictEqual([{ display: 'Dr Synthetic-Okafor' }]);
    expect(m.organization).toStrictEqual([{ display: 'North Coast Trust' }]);
    const onlyPatient = minimised(
      { ...c, performer: [{ reference: 'Patient/p1', display: 'X' }], organization: [] },
      patient,
    );
    expect('performer' in onlyPatient || 'organization' in onlyPatient).toBe(false);
    const { patient: _, ...noIds } = m;
    expect(JSON.stringify(noIds)).not.toContain(NHS);
  });
});

describe('which version of a series stands (standingSet)', () => {
  const v = (status: Consent['status'], dateTime?: string) => {
    const c = consent({ series: 's1', status });
    if (dateTime) c.dateTime = dateTime;
    else delete c.dateTime;
    return sourced(c);
  };

  it('the latest by dateTime stands, whatever the order', () => {
    const old = v('active', '2026-11-18T09:00:00Z');
    const withdrawal = v('inactive', '2026-11-21T09:00:00Z');
    expect(standingSet([old, withdrawal])).toStrictEqual([withdrawal]);
    expect(standingSet([withdrawal, old])).toStrictEqual([withdrawal]);
  });

  it('of versions with the same dateTime, the later in the list (the event’s) stands', () => {
    const remembered = v('active', '2026-11-18T09:00:00Z');
    const brought = v('inactive', '2026-11-18T09:00:00Z');
    expect(standingSet([remembered, brought])).toStrictEqual([brought]);
  });

  it('a version without a dateTime never replaces a dated one', () => {
    const dated = v('inactive', '2026-11-18T09:00:00Z');
    expect(standingSet([dated, v('active')])).toStrictEqual([dated]);
  });

  it('a dated version replaces an undated one listed before it', () => {
    const dated = v('inactive', '2026-11-18T09:00:00Z');
    expect(standingSet([v('active'), dated])).toStrictEqual([dated]);
  });

  it('different series each keep their own standing version', () => {
    const a = sourced(consent({ series: 'a' }));
    const b = sourced(consent({ series: 'b' }));
    expect(standingSet([a, b])).toStrictEqual([a, b]);
  });
});

describe('the remembered set in the store', () => {
  let store: Store;
  const key: StandingKey = {
    subjectHmac: 'h'.repeat(64),
    recipient: 'homegroup-discharge',
    stay: stayOf('stay-1'),
  };
  const at = new Date('2026-11-21T10:00:00Z');
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });
  const keep = (consents: SourcedConsent[], trustSearched = false, when = at) =>
    store.transaction((tx) => remember(tx, key, consents, { trustSearched, at: when }));
  const rows = () => store.db.selectFrom('consent_memory').selectAll().orderBy('series').execute();

  const others: StandingKey[] = [
    { ...key, subjectHmac: 'g'.repeat(64) },
    { ...key, recipient: 'other-partner' },
    { ...key, stay: stayOf('stay-2') },
  ];

  it('asking the trust’s server for one person, recipient and stay leaves the others’ consents standing', async () => {
    const a = sourced(consent({ series: 'a' }), 'trust-fhir');
    for (const other of others)
      await store.transaction((tx) => remember(tx, other, [a], { trustSearched: false, at }));
    await keep([], true);
    for (const other of others) expect((await recall(store.db, other)).consents).toHaveLength(1);
  });

  it('nothing remembered: not known, no consents', async () => {
    expect(await recall(store.db, key)).toStrictEqual({ known: false, consents: [] });
  });

  it('a remembered consent is recalled as it was kept, with its source and when it was obtained', async () => {
    const c = sourced(minimised(consent({ id: 'c1', series: 's1', versionId: '2' }), patient), 'trust-fhir');
    await keep([c]);
    expect(await recall(store.db, key)).toStrictEqual({ known: true, consents: [c] });
    expect(await rows()).toMatchObject([
      {
        series: 'https://trust.example/consents|s1',
        reference: 'Consent/c1',
        version_id: '2',
        withdrawn_at: null,
      },
    ]);
  });

  it('only the consents of this person, recipient and stay are recalled', async () => {
    await keep([sourced(consent({ series: 's1' }))]);
    for (const other of others)
      expect(await recall(store.db, other)).toStrictEqual({ known: false, consents: [] });
  });

  it('a later version of a series replaces the earlier one; a version without versionId stores null', async () => {
    await keep([sourced(consent({ id: 'c1', series: 's1', versionId: '1' }))]);
    const { meta: _, ...v2 } = consent({ id: 'c1', series: 's1', status: 'inactive' });
    await keep([sourced(v2 as Consent, 'message', '2026-11-21T09:00:00.000Z')]);
    const r = await rows();
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ version_id: null, obtained_at: '2026-11-21T09:00:00.000Z' });
    expect((await recall(store.db, key)).consents.map((c) => c.resource.status)).toEqual(['inactive']);
  });

  it('when the trust’s server was asked, its consents it no longer lists are no longer relied on', async () => {
    const a = sourced(consent({ series: 'a' }), 'trust-fhir');
    const b = sourced(consent({ series: 'b' }), 'trust-fhir');
    const m = sourced(consent({ series: 'm' }), 'message');
    await keep([a, b, m], true);
    await keep([a], true, new Date('2026-11-22T10:00:00Z'));
    const recalled = await recall(store.db, key);
    expect(recalled.known).toBe(true);
    expect(recalled.consents.map((c) => seriesOf(c.resource))).toEqual([
      seriesOf(a.resource),
      seriesOf(m.resource),
    ]);
    expect((await rows()).map((r) => r.withdrawn_at)).toEqual([null, '2026-11-22T10:00:00.000Z', null]);
  });

  it('when the trust’s server lists none, every consent from it is no longer relied on; when not asked, none is', async () => {
    const a = sourced(consent({ series: 'a' }), 'trust-fhir');
    await keep([a], true);
    await keep([], false);
    expect((await recall(store.db, key)).consents).toHaveLength(1);
    await keep([], true);
    expect(await recall(store.db, key)).toStrictEqual({ known: true, consents: [] });
  });

  it('a consent withdrawn once keeps its first withdrawal time; one listed again is relied on again', async () => {
    const a = sourced(consent({ series: 'a' }), 'trust-fhir');
    await keep([a], true);
    await keep([], true, new Date('2026-11-22T10:00:00Z'));
    await keep([], true, new Date('2026-11-23T10:00:00Z'));
    expect((await rows())[0]?.withdrawn_at).toBe('2026-11-22T10:00:00.000Z');
    await keep([a], true);
    expect((await recall(store.db, key)).consents).toHaveLength(1);
  });

  it('markWithdrawn stops relying on the named series only, and keeps the first withdrawal time', async () => {
    const a = sourced(consent({ series: 'a' }), 'trust-fhir');
    const b = sourced(consent({ series: 'b' }), 'trust-fhir');
    await keep([a, b]);
    await store.transaction((tx) => markWithdrawn(tx, key, [], at));
    expect((await recall(store.db, key)).consents).toHaveLength(2);
    await store.transaction((tx) => markWithdrawn(tx, key, [seriesOf(a.resource)], at));
    await store.transaction((tx) =>
      markWithdrawn(tx, key, [seriesOf(a.resource)], new Date('2026-11-25T00:00:00Z')),
    );
    for (const other of others)
      await store.transaction((tx) => markWithdrawn(tx, other, [seriesOf(b.resource)], at));
    expect((await rows()).map((r) => r.withdrawn_at)).toEqual(['2026-11-21T10:00:00.000Z', null]);
  });
});
