/**
 * Issue 10 item 2 acceptance: with the clock moved forward, raw messages lose their payloads
 * after RETENTION_DAYS and finished referrals their datasets after REFERRAL_RETENTION_DAYS;
 * hashes, decisions, referral bookkeeping and the audit remain, the purge is audited (counts
 * only), and `homeward audit verify` still passes.
 */
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { parseSettings } from '../../src/config/settings.js';
import { purgeExpired } from '../../src/retention/retention.js';
import { openStore } from '../../src/store/index.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { post } from '../integration/intake-helpers.js';
import { deliver, runTraffic, trafficApp } from '../metrics/traffic.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const DAY = 86_400_000;
const POLICY = { retentionDays: 30, referralRetentionDays: 90 };

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('retention', () => {
  it('purges payloads when due, keeps hashes, decisions and the audit, and the chain still verifies', async () => {
    const dir = tempDir('homeward-retention-');
    const databaseUrl = `sqlite:${join(dir, 'gateway.db')}`;
    const t = await trafficApp({ store: await openStore(databaseUrl) });
    closers.push(() => t.receiver.close());
    const day = await runTraffic(t);
    await deliver(day);
    const wearmouth = await bearer(t.deps, 'wearmouth-council');
    const answers = [
      { status: 'accepted' },
      // Free text a housing officer might write: it names where the person now lives.
      { status: 'completed', outcome: 'rehoused', note: 'Moved into 4 Quay Court on Monday' },
    ];
    for (const body of answers) {
      await request(t.app)
        .post(`/referrals/${day.wearmouth}/status`)
        .set('authorization', wearmouth)
        .send(body)
        .expect(200);
    }
    const { db } = t.deps.store;
    const before = {
      events: await db.selectFrom('events').select(['id', 'payload_sha256']).orderBy('id').execute(),
      decisions: await db.selectFrom('decisions').selectAll().orderBy('id').execute(),
      audit: await db.selectFrom('audit').selectAll().orderBy('seq').execute(),
    };
    const purge = () => purgeExpired(t.deps, { ...POLICY, now: t.clock.now() });

    expect(await purge()).toMatchObject({ events: 0, referrals: 0, deliveries: 0 });
    t.clock.advance(31 * DAY);
    expect(await purge()).toMatchObject({ events: 3, referrals: 0, deliveries: 0 });
    const events = await db.selectFrom('events').selectAll().orderBy('id').execute();
    expect(events.map((e) => [e.payload, e.resolved, e.response])).toEqual(
      events.map(() => [null, null, null]),
    );
    expect(events.map((e) => ({ id: e.id, payload_sha256: e.payload_sha256 }))).toEqual(before.events);
    // A late retry of a purged message is still recognised by its hash: answered, nothing new stored.
    const again = await post(t.app, t.deps, fixture('admission'));
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(await db.selectFrom('events').select('id').execute()).toHaveLength(3);

    // The completed Duty to Refer referral: kept 90 days after it ended; the open one is kept.
    t.clock.advance(60 * DAY);
    const answered = await db
      .selectFrom('referrals')
      .select('response')
      .where('id', '=', day.wearmouth)
      .executeTakeFirstOrThrow();
    expect(answered.response).toContain('Quay Court');
    expect(await purge()).toMatchObject({ events: 0, referrals: 1, deliveries: 1, answers: 1 });
    const referrals = await db
      .selectFrom('referrals')
      .select(['id', 'status', 'dataset', 'dataset_fields', 'response'])
      .execute();
    const done = referrals.find((r) => r.id === day.wearmouth);
    expect(done).toMatchObject({ status: 'completed', dataset: null });
    // The answer's free text is gone; what it decided stays (the trust's Task still says so).
    expect(JSON.parse(done?.response ?? '{}')).toEqual({
      status: 'completed',
      outcome: 'rehoused',
      at: expect.any(String),
      by: 'wearmouth-council',
    });
    expect(JSON.parse(done?.dataset_fields ?? '[]')).toContain('name');
    expect(referrals.find((r) => r.id === day.homestead)?.dataset).not.toBeNull();
    const sent = await db
      .selectFrom('deliveries')
      .select(['referral_id', 'payload', 'payload_sha256'])
      .execute();
    expect(sent.find((d) => d.referral_id === day.wearmouth)).toMatchObject({
      payload: null,
      payload_sha256: expect.any(String),
    });
    const gone = await request(t.app)
      .get(`/referrals/${day.wearmouth}`)
      .set('authorization', await bearer(t.deps, 'wearmouth-council'));
    expect(gone.status).toBe(410);
    expect(await purge()).toMatchObject({ events: 0, referrals: 0, deliveries: 0, answers: 0 });

    expect(await db.selectFrom('decisions').selectAll().orderBy('id').execute()).toEqual(before.decisions);
    const audit = await db.selectFrom('audit').selectAll().orderBy('seq').execute();
    expect(audit.slice(0, before.audit.length)).toEqual(before.audit);
    const purged = audit.filter((a) => a.action === 'purged');
    expect(purged.map((a) => JSON.parse(a.detail ?? '{}'))).toEqual([
      expect.objectContaining({ events: 3, referrals: 0, deliveries: 0, retentionDays: 30 }),
      expect.objectContaining({
        events: 0,
        referrals: 1,
        deliveries: 1,
        answers: 1,
        referralRetentionDays: 90,
      }),
    ]);
    expect(purged.every((a) => a.actor === 'gateway' && a.subject_hmac === null)).toBe(true);

    const settings = parseSettings({
      DATABASE_URL: databaseUrl,
      KEYS_DIR: join(dir, 'keys'),
      AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
    });
    const verify = cli();
    expect(await runCommand(['audit', 'verify'], settings, verify.io)).toBe(0);
    expect(verify.out.join('\n')).toMatch(/^Audit chain OK/);
    // `homeward retention run` (real clock): everything due was purged above, so nothing is left.
    const run = cli();
    expect(await runCommand(['retention', 'run'], settings, run.io)).toBe(0);
    expect(run.out).toEqual([
      expect.stringMatching(/RETENTION_DAYS=30\): 0 purged$/),
      expect.stringMatching(
        /REFERRAL_RETENTION_DAYS=90\): 0 datasets, 0 sent messages, the free text of 0 provider answers and of 0 conversation messages, and the facts and notes of 0 referral steps purged$/,
      ),
      'Nothing was due.',
    ]);
  });
});
