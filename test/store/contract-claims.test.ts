/**
 * Store contract, delivery claims (issue 9 item 3), on both backends: the worker's conditional
 * UPDATE gives each due row to exactly one claimer, whichever store (process) it claims through,
 * and a lease is taken over only once it has expired. Referrals come from the real pipeline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claimDue } from '../../src/delivery/claim.js';
import type { Store } from '../../src/store/index.js';
import { harness, newSecret, stay, testKeys, tynebridgeRequest } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { BACKENDS, type FreshDatabase, freshDatabase } from './backends.js';

describe.each(BACKENDS)('Store contract, delivery claims: %s', (backend) => {
  let fresh: FreshDatabase | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await rx?.close();
    await fresh?.dispose();
    [rx, fresh] = [undefined, undefined];
  });
  const twoStores = async (): Promise<[Store, Store]> => {
    fresh = await freshDatabase(backend);
    return [await fresh.open(), await fresh.open()];
  };

  it('gives each due row to exactly one of several claimers on two stores', async () => {
    const [one, two] = await twoStores();
    const h = await harness({ store: one });
    for (let i = 0; i < 24; i++) await h.refer(stay(`ENC-${i}`));
    const o = { now: h.clock.now(), leaseMs: 5_000, limit: 5 };
    const claimed: string[] = [];
    // Rounds of four claimers at once until nothing is left: most rows are contested.
    for (let round = 0; round < 10; round++) {
      const claims = await Promise.all(
        ['a', 'b', 'c', 'd'].map((owner, i) => claimDue((i % 2 ? one : two).db, { ...o, owner })),
      );
      claimed.push(...claims.flat().map((r) => r.id));
      if (claims.every((c) => c.length === 0)) break;
    }
    expect(claimed).toHaveLength(24);
    expect(new Set(claimed).size).toBe(24);
    const rows = await two.db.selectFrom('deliveries').select(['state', 'attempts']).execute();
    expect(rows.every((r) => r.state === 'in-flight' && r.attempts === 1)).toBe(true);
  });

  it('takes over an in-flight row only once its lease expired', async () => {
    const [one, two] = await twoStores();
    const h = await harness({ store: one });
    await h.refer();
    const now = h.clock.now();
    const [first] = await claimDue(one.db, { owner: 'dead', now, leaseMs: 5_000, limit: 1 });
    expect(first).toMatchObject({ state: 'in-flight', lease_owner: 'dead', attempts: 1 });
    const o = { owner: 'next', leaseMs: 5_000, limit: 1 };
    expect(await claimDue(two.db, { ...o, now: new Date(now.getTime() + 4_999) })).toEqual([]);
    const takers = await Promise.all(
      ['x', 'y', 'z'].map((owner, i) =>
        claimDue((i % 2 ? one : two).db, { ...o, owner, now: new Date(now.getTime() + 5_001) }),
      ),
    );
    expect(takers.flat()).toHaveLength(1);
    expect(takers.flat()[0]).toMatchObject({ attempts: 2, webhook_id: first?.webhook_id });
  });

  it("claims no more for a recipient than its lane has room for, and finds others' rows behind a full lane's backlog", async () => {
    const [one] = await twoStores();
    const h = await harness({ store: one });
    // Six rows to homegroup-discharge fall due first, then two to tynebridge-council.
    for (let i = 0; i < 6; i++) {
      await h.refer(stay(`ENC-${i}`));
      h.clock.advance(1_000);
    }
    for (let i = 0; i < 2; i++) {
      await h.refer(tynebridgeRequest(stay(`DTR-${i}`)));
      h.clock.advance(1_000);
    }
    const o = { now: h.clock.now(), leaseMs: 5_000, owner: 'w' };
    // homegroup-discharge has one send in flight in a lane of two: room for one more.
    const busy = new Map([['homegroup-discharge', 1]]);
    const claimed = await claimDue(one.db, { ...o, limit: 3, lanes: { size: 2, busy } });
    expect(claimed.map((r) => r.recipient).sort()).toEqual([
      'homegroup-discharge',
      'tynebridge-council',
      'tynebridge-council',
    ]);
    // A full lane is skipped altogether; the rows waiting for it hold no lease.
    const full = new Map([['homegroup-discharge', 2]]);
    expect(await claimDue(one.db, { ...o, limit: 10, lanes: { size: 2, busy: full } })).toEqual([]);
    const waiting = await one.db
      .selectFrom('deliveries')
      .selectAll()
      .where('state', '=', 'pending')
      .execute();
    expect(waiting).toHaveLength(5);
    expect(waiting.every((r) => r.lease_owner === null && r.attempts === 0)).toBe(true);
  });

  it('two workers running together deliver each message once, with one disclosure each', async () => {
    const [one, two] = await twoStores();
    const keys = await testKeys();
    const secret = newSecret();
    rx = await startReceiver({
      secret,
      jwks: () => keys.jwks(),
      reply: () => ({ status: 200, delayMs: 20 }),
    });
    const h1 = await harness({ store: one, keys, secret, webhook: { url: rx.url } });
    for (let i = 0; i < 12; i++) await h1.refer(stay(`ENC-${i}`));
    // PostgreSQL: each worker on its own pool, as in two processes. SQLite: one connection per
    // process (better-sqlite3 is synchronous, so two in one process would block each other);
    // test/integration/delivery-crash.int.test.ts covers its processes.
    const h2 =
      backend === 'postgres' ? await harness({ store: two, keys, secret, webhook: { url: rx.url } }) : h1;
    const [w1, w2] = [h1.worker({ owner: 'w1' }), h2.worker({ owner: 'w2' })];
    await Promise.all([w1.runOnce(), w2.runOnce(), w1.runOnce(), w2.runOnce()]);
    expect(rx.received).toHaveLength(12);
    expect(new Set(rx.received.map((r) => r.headers['webhook-id'])).size).toBe(12);
    expect(await h1.audit('disclosed')).toHaveLength(12);
  });
});
