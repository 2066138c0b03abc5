/**
 * Issue 17 item 1: one referral per person per stay, never merged across people. Two messages
 * from one trust with the same Encounter identifier but different patients: the second is
 * refused (422 naming the identifier's location), nothing of it is stored, and the refusal is
 * audited under the second person's subject HMAC. On SQLite and PostgreSQL, including the race
 * of two people's messages claiming a new identifier at once.
 */
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';
import { request as fixture, patch, REMOVE } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, post, storedEvents } from './intake-helpers.js';

type Msg = { entry: Array<{ resource: Record<string, unknown> & { resourceType: string } }> };
const FIRST = '9990079196'; // the fixture's person
const SECOND = '9990000018';

/** The admission fixture for `nhsNumber`, with its own MessageHeader.id and encounter identifier value. */
function admission(nhsNumber: string, messageId: string, encounterValue = 'ENC-A0D1-2611'): Msg {
  const m = fixture('admission') as Msg;
  patch(m, 'entry.0.resource.id', messageId);
  patch(m, 'entry.1.resource.identifier.0.value', nhsNumber);
  patch(m, 'entry.2.resource.identifier.0.value', encounterValue);
  return m;
}

const msgId = (n: number) => `a0d11551-0000-4000-8000-0000000e${String(n).padStart(4, '0')}`;

const BACKENDS = ['sqlite', 'postgres'] as const;

/** The real app on in-memory SQLite, or on a PostgreSQL schema of its own (dropped by close). */
async function appOn(backend: (typeof BACKENDS)[number]) {
  let schema: TestSchema | undefined;
  let store: Store | undefined;
  if (backend === 'postgres') {
    schema = await createSchema();
    store = await openStore(schema.url);
  }
  const ctx = await intakeApp(store ? { store } : {});
  return {
    ...ctx,
    close: async () => {
      await store?.close();
      await schema?.drop();
    },
  };
}

describe.each(BACKENDS)('one person per stay (%s)', (backend) => {
  it("refuses a second person's message on the first person's encounter identifier, stores nothing, audits the refusal", async () => {
    const { app, deps, close } = await appOn(backend);
    try {
      const first = await post(app, deps, admission(FIRST, msgId(1)));
      expect(first.status).toBe(200);
      const before = {
        events: await storedEvents(deps),
        referrals: await deps.store.db.selectFrom('referrals').selectAll().execute(),
        deliveries: await deps.store.db.selectFrom('deliveries').selectAll().execute(),
      };
      expect(before.referrals).toHaveLength(1);

      const second = await post(app, deps, admission(SECOND, msgId(2)), { requestId: 'req-collide-1' });
      expect(second.status).toBe(422);
      const body = JSON.parse(second.text);
      expect(body.issue).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'business-rule',
          expression: ['Bundle.entry[2].resource.identifier[0]'],
        }),
      ]);
      // Nothing of it stored: no event, referral, decision or delivery; the first person's untouched.
      expect(await storedEvents(deps)).toEqual(before.events);
      expect(await deps.store.db.selectFrom('referrals').selectAll().execute()).toEqual(before.referrals);
      expect(await deps.store.db.selectFrom('deliveries').selectAll().execute()).toEqual(before.deliveries);
      const rejected = await auditEntries(deps, 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({
        actor: 'north-coast-trust',
        event_id: null,
        subject_hmac: deps.audit.subjectHash(SECOND),
        request_id: 'req-collide-1',
      });
      expect(JSON.parse(rejected[0]?.detail ?? '{}')).toEqual({
        reason: 'encounter-of-another-person',
        event: 'admission',
        correlationId: 'req-collide-1',
      });
      const everything = JSON.stringify(await auditEntries(deps));
      expect(everything).not.toContain(SECOND);
      expect(everything).not.toContain('ENC-A0D1-2611');

      // Retried as is, it is refused again (it was never stored), and audited again.
      expect((await post(app, deps, admission(SECOND, msgId(2)))).status).toBe(422);
      // The first person's message replayed still answers as before.
      const replay = await post(app, deps, admission(FIRST, msgId(1)));
      expect(replay.status).toBe(200);
      expect(replay.text).toBe(first.text);
    } finally {
      await close();
    }
  });

  it("keys referrals by the person: two people's stays sent without identifiers never merge, a later event updates only its own", async () => {
    const { app, deps, close } = await appOn(backend);
    try {
      // No Encounter.identifier: the stay is known by the Encounter's fullUrl, the same in both
      // people's messages (a trust's integration engine reusing its templates).
      const bare = (nhs: string, n: number) =>
        patch(admission(nhs, msgId(n)), 'entry.2.resource.identifier', REMOVE);
      expect((await post(app, deps, bare(FIRST, 11))).status).toBe(200);
      expect((await post(app, deps, bare(SECOND, 12))).status).toBe(200);
      // The first person's stay again: an update of their referral only.
      expect((await post(app, deps, bare(FIRST, 13))).status).toBe(200);
      const referrals = await deps.store.db
        .selectFrom('referrals')
        .select(['subject_hmac', 'version', 'dataset'])
        .execute();
      expect(
        referrals
          .map((r) => [r.subject_hmac, r.version, JSON.parse(r.dataset ?? '{}').nhsNumber])
          .sort((a, b) => Number(b[1]) - Number(a[1])),
      ).toEqual([
        [deps.audit.subjectHash(FIRST), 2, FIRST],
        [deps.audit.subjectHash(SECOND), 1, SECOND],
      ]);
    } finally {
      await close();
    }
  });

  it('two people racing for a new encounter identifier: exactly one is accepted', async () => {
    const { app, deps, close } = await appOn(backend);
    try {
      const [a, b] = await Promise.all([
        post(app, deps, admission(FIRST, msgId(21), 'ENC-RACE')),
        post(app, deps, admission(SECOND, msgId(22), 'ENC-RACE')),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 422]);
      const winner = a.status === 200 ? FIRST : SECOND;
      const referrals = await deps.store.db.selectFrom('referrals').select('subject_hmac').execute();
      expect(referrals).toEqual([{ subject_hmac: deps.audit.subjectHash(winner) }]);
      expect(await storedEvents(deps)).toHaveLength(1);
      expect(await auditEntries(deps, 'rejected')).toHaveLength(1);
    } finally {
      await close();
    }
  });
});
