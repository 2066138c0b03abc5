import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordFailedAttempt } from '../../src/delivery/attempt-outcome.js';
import { claimDue } from '../../src/delivery/claim.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/test-app.js';
import { harness, newSecret, stay, testKeys } from './harness.js';
import { type Receiver, type Reply, startReceiver } from './receiver.js';

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

async function setup(reply: (n: number) => Reply = () => ({ status: 200 })) {
  const keys = await testKeys();
  const secret = newSecret();
  rx = await startReceiver({ secret, jwks: () => keys.jwks(), reply });
  return { h: await harness({ keys, secret, webhook: { url: rx.url } }), rx };
}

describe('claiming deliveries', () => {
  it('gives each due row to exactly one claimer, across connections to one database file', async () => {
    const file = join(tempDir('homeward-claim-'), 'gateway.db');
    const [one, two] = [await openStore(`sqlite:${file}`), await openStore(`sqlite:${file}`)];
    const h = await harness({ store: one });
    for (const v of ['A', 'B', 'C', 'D', 'E', 'F']) await h.refer(stay(`ENC-${v}`));
    const o = { now: h.clock.now(), leaseMs: 5_000, limit: 10 };
    const claims = await Promise.all([
      claimDue(one.db, { ...o, owner: 'a' }),
      claimDue(two.db, { ...o, owner: 'b' }),
      claimDue(two.db, { ...o, owner: 'c' }),
    ]);
    const ids = claims.flat().map((r) => r.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(await claimDue(one.db, { ...o, owner: 'd' })).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  });

  it('takes over an in-flight row only once its lease expired, counting the attempt', async () => {
    const { h } = await setup();
    await h.refer();
    const now = h.clock.now();
    const [first] = await claimDue(h.store.db, { owner: 'dead', now, leaseMs: 5_000, limit: 1 });
    expect(first).toMatchObject({ state: 'in-flight', lease_owner: 'dead', attempts: 1 });
    const o = { owner: 'next', leaseMs: 5_000, limit: 1 };
    expect(await claimDue(h.store.db, { ...o, now: new Date(now.getTime() + 4_999) })).toEqual([]);
    const [taken] = await claimDue(h.store.db, { ...o, now: new Date(now.getTime() + 5_001) });
    expect(taken).toMatchObject({ lease_owner: 'next', attempts: 2, webhook_id: first?.webhook_id });
  });

  it('a worker whose lease was taken over records nothing', async () => {
    const { h } = await setup();
    await h.refer();
    const now = h.clock.now();
    const [mine] = await claimDue(h.store.db, { owner: 'slow', now, leaseMs: 1_000, limit: 1 });
    await claimDue(h.store.db, {
      owner: 'other',
      now: new Date(now.getTime() + 2_000),
      leaseMs: 1_000,
      limit: 1,
    });
    const recorded = await h.store.transaction((tx) =>
      recordFailedAttempt(
        tx,
        { audit: h.pipeline.audit, registry: h.registry },
        {
          delivery: mine ?? (undefined as never),
          owner: 'slow',
          at: now,
          result: { kind: 'retry', error: 'timeout' },
          next: { kind: 'retry', at: now },
        },
      ),
    );
    expect(recorded).toBe(false);
    expect(await h.audit('delivery-attempted')).toEqual([]);
    const row = await h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'in-flight', lease_owner: 'other' });
  });

  it('two workers running together deliver each message once', async () => {
    const { h, rx: receiver } = await setup(() => ({ status: 200, delayMs: 50 }));
    for (const v of ['A', 'B', 'C', 'D', 'E', 'F']) await h.refer(stay(`ENC-${v}`));
    const [w1, w2] = [h.worker({ owner: 'w1' }), h.worker({ owner: 'w2' })];
    await Promise.all([w1.runOnce(), w2.runOnce(), w1.runOnce(), w2.runOnce()]);
    expect(receiver.received).toHaveLength(6);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(6);
    expect(await h.audit('disclosed')).toHaveLength(6);
  });
});

describe('worker loop', () => {
  it('stop() waits for the send in flight, which is recorded', async () => {
    const { h, rx: receiver } = await setup(() => ({ status: 200, delayMs: 300 }));
    await h.refer();
    const worker = h.worker({ tuning: { pollMs: 10 } });
    worker.start();
    await receiver.nth(1);
    await worker.stop();
    const row = await h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row.state).toBe('delivered');
    expect(await h.audit('disclosed')).toHaveLength(1);
  });

  it('keeps polling and picks up new work', async () => {
    const { h, rx: receiver } = await setup();
    const worker = h.worker({ tuning: { pollMs: 10 } });
    worker.start();
    await h.refer();
    await receiver.nth(1);
    await h.refer(stay('ENC-2'));
    await receiver.nth(2);
    await worker.stop();
    expect(receiver.received).toHaveLength(2);
  });
});
