import { afterEach, describe, expect, it } from 'vitest';
import { harness, newSecret, testKeys } from './harness.js';
import { type Receiver, type Reply, startReceiver } from './receiver.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup(reply: (n: number) => Reply) {
  const keys = await testKeys();
  const secret = newSecret();
  const rx = await startReceiver({ secret, jwks: () => keys.jwks(), reply });
  receivers.push(rx);
  const h = await harness({ keys, secret, webhook: { url: rx.url } });
  await h.refer();
  return { h, rx };
}

const delivery = (h: Awaited<ReturnType<typeof harness>>) =>
  h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
const details = async (h: Awaited<ReturnType<typeof harness>>, action: string) =>
  (await h.audit(action)).map((e) => JSON.parse(e.detail ?? '{}'));

describe('retries', () => {
  it('honours Retry-After in seconds: no attempt before it, even when the jitter says now', async () => {
    const { h, rx } = await setup((n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 },
    );
    const worker = h.worker({ random: () => 0 });
    await worker.runOnce();
    expect((await delivery(h)).next_attempt_at).toBe(
      new Date(h.clock.now().getTime() + 120_000).toISOString(),
    );
    h.clock.advance(119_000);
    expect(await worker.runOnce()).toBe(0);
    h.clock.advance(1_000);
    expect(await worker.runOnce()).toBe(1);
    expect(rx.received).toHaveLength(2);
    expect((await delivery(h)).state).toBe('delivered');
    expect(await details(h, 'delivery-attempted')).toEqual([
      expect.objectContaining({ attempt: 1, httpStatus: 429, nextAttemptAt: expect.any(String) }),
    ]);
  });

  it('honours Retry-After as an HTTP-date', async () => {
    let until = new Date();
    const { h } = await setup(() => ({ status: 503, headers: { 'retry-after': until.toUTCString() } }));
    until = new Date(h.clock.now().getTime() + 300_000);
    await h.worker().runOnce();
    expect((await delivery(h)).next_attempt_at).toBe(until.toISOString());
  });

  it('waits a full-jitter backoff: random(0, min(cap, base * 2^attempt))', async () => {
    const { h } = await setup(() => ({ status: 500 }));
    const start = h.clock.now().getTime();
    await h.worker({ random: () => 0.5, tuning: { retryBaseMs: 1_000, retryCapMs: 60_000 } }).runOnce();
    // attempt 1: ceiling 2000 ms, half of it
    expect((await delivery(h)).next_attempt_at).toBe(new Date(start + 1_000).toISOString());
  });

  it('never follows a redirect: a 3xx fails the delivery at once', async () => {
    const elsewhere = await startReceiver();
    receivers.push(elsewhere);
    const { h, rx } = await setup(() => ({ status: 307, headers: { location: elsewhere.url } }));
    await h.worker().runOnce();
    expect(rx.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    expect(await delivery(h)).toMatchObject({
      state: 'failed',
      last_error: 'HTTP 307: redirect not followed',
    });
    expect(await details(h, 'delivery-failed')).toEqual([
      expect.objectContaining({ reason: 'permanent', attempts: 1, referralStatus: 'failed' }),
    ]);
    const referral = await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow();
    expect(referral.status).toBe('failed');
    expect(await h.audit('disclosed')).toEqual([]);
  });

  it('fails at once on another 4xx (the request itself is refused)', async () => {
    const { h } = await setup(() => ({ status: 400 }));
    await h.worker().runOnce();
    expect(await delivery(h)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'HTTP 400' });
  });

  it('retries a slow receiver after the timeout, with the same webhook-id', async () => {
    const { h, rx } = await setup((n) => (n === 1 ? { status: 200, delayMs: 1_500 } : { status: 200 }));
    const worker = h.worker({ tuning: { timeoutMs: 300 } });
    await worker.runOnce();
    expect(await delivery(h)).toMatchObject({ state: 'pending', last_error: 'timeout' });
    expect(await details(h, 'delivery-attempted')).toEqual([expect.objectContaining({ error: 'timeout' })]);
    await worker.runOnce();
    expect((await delivery(h)).state).toBe('delivered');
    expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual([
      rx.received[0]?.headers['webhook-id'],
      rx.received[0]?.headers['webhook-id'],
    ]);
    expect(await h.audit('disclosed')).toHaveLength(1);
  });

  it('dead-letters after DELIVERY_MAX_ATTEMPTS, and after DELIVERY_MAX_AGE_HOURS', async () => {
    const { h } = await setup(() => ({ status: 502 }));
    const worker = h.worker({ tuning: { maxAttempts: 3 } });
    for (let i = 0; i < 5; i++) await worker.runOnce();
    expect(await delivery(h)).toMatchObject({ state: 'failed', attempts: 3, last_error: 'HTTP 502' });
    expect(await details(h, 'delivery-attempted')).toHaveLength(3);
    expect(await details(h, 'delivery-failed')).toEqual([
      expect.objectContaining({ reason: 'max-attempts' }),
    ]);

    const old = await setup(() => ({ status: 502 }));
    old.h.clock.advance(2 * 3_600_000);
    await old.h.worker({ tuning: { maxAgeHours: 1 } }).runOnce();
    expect(await details(old.h, 'delivery-failed')).toEqual([expect.objectContaining({ reason: 'max-age' })]);
  });

  it('treats a refused connection as transient', async () => {
    const { h, rx } = await setup(() => ({ status: 200 }));
    await rx.close();
    await h.worker().runOnce();
    expect(await delivery(h)).toMatchObject({ state: 'pending', last_error: 'network:ECONNREFUSED' });
  });
});
