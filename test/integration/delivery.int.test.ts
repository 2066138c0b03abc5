import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { Partner } from '../../src/config/registry-types.js';
import { parseSettings } from '../../src/config/settings.js';
import { openStore } from '../../src/store/index.js';
import { harness, newSecret, testKeys, wearmouthRequest, withPartner } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { TEST_SUBJECT_KEY, tempDir, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** A second auditor that audits only Tynebridge: it must see none of Homestead's or Wearmouth's. */
const southAuditor = (base: Partner): Partner => ({
  ...base,
  id: 'ig-audit-south',
  auditOf: ['tynebridge-council'],
});

async function setup(url: string, secret: string, dir = tempDir('homeward-delivery-')) {
  const keys = await testKeys();
  const databaseUrl = `sqlite:${join(dir, 'gateway.db')}`;
  const h = await harness({
    keys,
    secret,
    store: await openStore(databaseUrl),
    webhook: { url },
    registry: (r) => withPartner(r, southAuditor(r.partner('ig-audit-north') as Partner)),
  });
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
  });
  const as = async (partner: string) => ({ authorization: await bearer(deps, partner) });
  const settings = parseSettings({
    DATABASE_URL: databaseUrl,
    KEYS_DIR: join(dir, 'keys'),
    AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
  });
  return { h, app, as, settings };
}

describe('dead letters', () => {
  it('a receiver down past the retry budget: failed, listed, replayed once it is back, delivered once', async () => {
    const secret = newSecret();
    const down = await startReceiver();
    await down.close();
    const s = await setup(down.url, secret);
    const [made] = await s.h.refer();
    const worker = s.h.worker({ tuning: { maxAttempts: 3 } });
    for (let i = 0; i < 4; i++) await worker.runOnce();

    const failed = await request(s.app)
      .get('/admin/deliveries?state=failed')
      .set(await s.as('ig-audit-north'))
      .expect(200);
    expect(failed.body.deliveries).toEqual([
      expect.objectContaining({
        referralId: made?.referralId,
        recipient: 'homegroup-discharge',
        sender: 'north-coast-trust',
        state: 'failed',
        attempts: 3,
        lastError: 'network:ECONNREFUSED',
      }),
    ]);
    expect(JSON.stringify(failed.body)).not.toContain('payload');
    const south = await request(s.app)
      .get('/admin/deliveries?state=failed')
      .set(await s.as('ig-audit-south'));
    expect(south.body).toEqual({ deliveries: [], nextCursor: null });
    const listed = cliIo();
    expect(await runCommand(['deliveries', 'list', '--state', 'failed'], s.settings, listed.io)).toBe(0);
    expect(listed.out).toEqual([
      expect.stringMatching(/\tfailed\treferral\twebhook\thomegroup-discharge\tattempts=3\t/),
    ]);

    const back = await startReceiver({ port: down.port, secret, jwks: () => s.h.keys.jwks() });
    receivers.push(back);
    const replayed = cliIo();
    const id = failed.body.deliveries[0].id as string;
    expect(await runCommand(['deliveries', 'replay', id], s.settings, replayed.io)).toBe(0);
    expect(
      (await s.h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow()).status,
    ).toBe('queued');
    // The CLI stamps the replay with the real time, ahead of the harness clock by however long this
    // test has run (seconds on a loaded machine): catch the harness clock up with it.
    s.h.clock.set(new Date(Date.now() + 1_000));
    await worker.runOnce();
    await worker.runOnce();
    expect(back.received).toHaveLength(1);
    expect([back.received[0]?.v1, back.received[0]?.v1a]).toEqual([true, true]);
    expect(await s.h.audit('disclosed')).toHaveLength(1);
    const [replay] = await s.h.audit('status-changed');
    expect(JSON.parse(replay?.detail ?? '{}')).toMatchObject({
      change: 'replayed',
      deliveryId: id,
      from: 'failed',
      to: 'pending',
    });
    expect(replay?.actor).toBe('gateway');
    const again = cliIo();
    expect(await runCommand(['deliveries', 'replay', id], s.settings, again.io)).toBe(1);
    expect(again.err.join('')).toMatch(/not failed/);
  });

  it('replays every dead letter with --all-failed, and refuses bad usage', async () => {
    const s = await setup('http://example.org/not-https', newSecret());
    await s.h.refer();
    await s.h.worker().runOnce();
    const t = cliIo();
    expect(await runCommand(['deliveries', 'replay', '--all-failed'], s.settings, t.io)).toBe(0);
    expect(t.out).toEqual(['Replayed 1 failed delivery']);
    expect(await runCommand(['deliveries', 'list', '--state', 'lost'], s.settings, cliIo().io)).toBe(2);
    expect(await runCommand(['deliveries', 'replay'], s.settings, cliIo().io)).toBe(2);
  });

  it('refuses unknown or invalid query parameters', async () => {
    const s = await setup('https://example.org/hook', newSecret());
    const auditor = await s.as('ig-audit-north');
    await request(s.app).get('/admin/deliveries?state=lost').set(auditor).expect(400);
    await request(s.app).get('/admin/deliveries?limit=0').set(auditor).expect(400);
    await request(s.app).get('/admin/referrals/overdue?state=failed').set(auditor).expect(400);
    await request(s.app)
      .get('/admin/deliveries')
      .set(await s.as('homegroup-discharge'))
      .expect(403);
  });
});

describe('SLA', () => {
  it('lists referrals past due without an answer, to auditors of their partners only', async () => {
    const s = await setup('https://example.org/hook', newSecret());
    const [urgent] = await s.h.refer(); // discharge support, urgent: due in 24 hours
    const [dtr] = await s.h.refer(wearmouthRequest());
    const auditor = await s.as('ig-audit-north');
    expect((await request(s.app).get('/admin/referrals/overdue').set(auditor)).body.referrals).toEqual([]);
    s.h.clock.advance(30 * 24 * 3_600_000);
    const later = await s.as('ig-audit-north');
    const overdue = await request(s.app).get('/admin/referrals/overdue').set(later).expect(200);
    expect(overdue.body.referrals.map((r: { id: string }) => r.id)).toEqual([
      urgent?.referralId,
      dtr?.referralId,
    ]);
    expect(overdue.body.referrals[0]).toMatchObject({
      recipient: 'homegroup-discharge',
      minutesOverdue: expect.any(Number),
    });
    await s.h.store.db
      .updateTable('referrals')
      .set({ status: 'accepted' })
      .where('id', '=', dtr?.referralId ?? '')
      .execute();
    const after = await request(s.app).get('/admin/referrals/overdue').set(later);
    expect(after.body.referrals.map((r: { id: string }) => r.id)).toEqual([urgent?.referralId]);
    const south = await request(s.app)
      .get('/admin/referrals/overdue')
      .set(await s.as('ig-audit-south'));
    expect(south.body.referrals).toEqual([]);
  });
});
