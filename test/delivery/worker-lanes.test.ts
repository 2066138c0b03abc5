/**
 * Recipient lanes (issue 17 point 5): a slow recipient never holds up another. Real local HTTP
 * receivers, a real SQLite store, referrals from the real pipeline, the worker's real loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { parseSettings, SettingsError } from '../../src/config/settings.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import {
  type Harness,
  harness,
  newSecret,
  SECRET_ENV,
  stay,
  testKeys,
  tynebridgeRequest,
  withPartner,
} from './harness.js';
import { type Receiver, type Reply, startReceiver } from './receiver.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(reply?: (n: number) => Reply): Promise<Receiver> {
  const rx = await startReceiver(reply ? { reply } : {});
  receivers.push(rx);
  return rx;
}

/** homegroup-discharge delivers to `healthy`; tynebridge-council (Duty to Refer) to `slow`. */
async function twoRecipients(healthy: Receiver, slow: Receiver): Promise<Harness> {
  const keys = await testKeys();
  const secret = newSecret();
  return harness({
    keys,
    secret,
    webhook: { url: healthy.url },
    registry: (r) => {
      const tynebridge = r.partner('tynebridge-council') as Partner;
      return withPartner(r, {
        ...tynebridge,
        delivery: {
          mode: 'webhook',
          url: slow.url,
          secretRef: `env:${SECRET_ENV}`,
          signatures: ['v1'],
          format: 'dataset',
        },
      });
    },
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POLL_MS = 200;
const SAMPLES = 20;
/** Longest a sample is waited for (the base commit holds a healthy delivery up to the timeout). */
const GIVE_UP_MS = 5_000;

/**
 * Queue SAMPLES referrals to the healthy recipient one after the other and time each from queued
 * (its transaction committed) to its arrival at the receiver. Each is queued at a different point
 * of the worker's poll interval (offsets spread evenly over it), so the median measures the
 * worker's scheduling, not when the test happened to queue or how busy the CPU was.
 */
async function healthyLatencies(
  h: Harness,
  healthy: Receiver,
  label: string,
  over: Partial<ParsedEvent> = {},
) {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await sleep(((i * 7) % SAMPLES) * (POLL_MS / SAMPLES));
    const n = healthy.received.length + 1;
    await h.refer({ ...over, ...stay(`${label}-${i}`) });
    const queued = performance.now();
    await Promise.race([healthy.nth(n), sleep(GIVE_UP_MS)]);
    latencies.push(performance.now() - queued);
  }
  return latencies;
}

describe('recipient lanes', () => {
  it("a hanging recipient never holds up another: the other's median latency stays within 2x of its latency with no hanging receiver", async () => {
    const healthy = await receiver();
    const hanging = await receiver(() => ({ hold: true }));
    const h = await twoRecipients(healthy, hanging);
    // WEBHOOK_TIMEOUT_MS 2000 (TEST_TUNING): each hanging attempt ends after 2 s and, with the
    // fixed clock and no jitter, is due again at once, so the receiver hangs throughout.
    const worker = h.worker({ tuning: { pollMs: POLL_MS } });
    worker.start();
    try {
      const alone = await healthyLatencies(h, healthy, 'alone');
      for (let i = 0; i < 3; i++) await h.refer(tynebridgeRequest(stay(`DTR-${i}`)));
      await hanging.nth(3);
      const beside = await healthyLatencies(h, healthy, 'beside');
      expect(hanging.received.length).toBeGreaterThanOrEqual(3);
      const states = await h.store.db
        .selectFrom('deliveries')
        .select(['recipient', 'state'])
        .where('recipient', '=', 'tynebridge-council')
        .execute();
      expect(states).toHaveLength(3);
      expect(states.every((s) => s.state !== 'delivered')).toBe(true);
      const [a, b] = [median(alone), median(beside)];
      expect(
        b,
        `median ms: ${Math.round(a)} alone, ${Math.round(b)} beside a hanging receiver`,
      ).toBeLessThanOrEqual(2 * a);
    } finally {
      await hanging.close();
      await worker.stop();
    }
    const delivered = await h.store.db
      .selectFrom('deliveries')
      .select('state')
      .where('recipient', '=', 'homegroup-discharge')
      .execute();
    expect(delivered.map((d) => d.state)).toEqual(delivered.map(() => 'delivered'));
    expect(delivered).toHaveLength(2 * SAMPLES);
  }, 120_000);

  it('bounds a recipient to its lane: the rest wait unclaimed, and the next is claimed as soon as one answers, not at the next poll', async () => {
    // Request 1 answers after 600 ms, request 2 after 2500 ms, the rest at once.
    const rx = await receiver((n) => ({ status: 200, delayMs: n === 1 ? 600 : n === 2 ? 2_500 : 0 }));
    const h = await harness({ webhook: { url: rx.url } });
    for (let i = 0; i < 5; i++) await h.refer(stay(`LANE-${i}`));
    // A poll interval longer than the test: every claim after the first is a lane freeing up.
    const worker = h.worker({
      tuning: { pollMs: 60_000, recipientConcurrency: 2, timeoutMs: 5_000, leaseMs: 10_000 },
    });
    const started = performance.now();
    worker.start();
    try {
      await rx.nth(2);
      await sleep(100);
      expect(rx.received).toHaveLength(2);
      const rows = await h.store.db.selectFrom('deliveries').selectAll().orderBy('created_at').execute();
      expect(rows.filter((r) => r.state === 'in-flight')).toHaveLength(2);
      // Not claimed while the lane is full: no lease to run out while they wait.
      const waiting = rows.filter((r) => r.state === 'pending');
      expect(waiting).toHaveLength(3);
      expect(waiting.every((r) => r.lease_owner === null && r.attempts === 0)).toBe(true);
      // Request 1's answer frees a slot: request 3 goes before request 2 has answered.
      await rx.nth(3);
      expect(performance.now() - started).toBeLessThan(2_300);
      await rx.nth(5);
    } finally {
      await worker.stop();
    }
    const states = await h.store.db.selectFrom('deliveries').select('state').execute();
    expect(states.map((s) => s.state)).toEqual(states.map(() => 'delivered'));
    expect(new Set(rx.received.map((r) => r.headers['webhook-id'])).size).toBe(5);
  });

  it('reads DELIVERY_RECIPIENT_CONCURRENCY (default 64) and refuses nonsense', () => {
    expect(parseSettings({}).delivery.recipientConcurrency).toBe(64);
    expect(parseSettings({ DELIVERY_RECIPIENT_CONCURRENCY: '4' }).delivery.recipientConcurrency).toBe(4);
    for (const bad of ['0', '-1', 'four', '2000']) {
      expect(() => parseSettings({ DELIVERY_RECIPIENT_CONCURRENCY: bad })).toThrow(SettingsError);
    }
  });
});
