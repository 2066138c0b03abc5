/**
 * Provider outage (issue 12 item 4): the receiver's failures behave as README "Receiving
 * referrals" says and nothing is lost. Covered elsewhere, by the worker against a real receiver
 * (test/delivery/worker-retries.test.ts): 429/503 with Retry-After (seconds and HTTP date), a
 * slow receiver past WEBHOOK_TIMEOUT_MS, a redirect (never followed, failed at once), another 4xx,
 * a refused connection, dead-lettering; test/delivery/worker-delivery.test.ts: 500s then success.
 * Here the gaps: connections reset mid-request, a receiver down then back on the same port, and a
 * mixed outage over several referrals, after which each is delivered once with one disclosure.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, newSecret, stay, testKeys } from '../delivery/harness.js';

type Answer = 'reset' | { status: number; headers?: Record<string, string> };

/** A receiver answering the n-th request (1-based) as `answer` says; records webhook-ids. */
async function provider(answer: (n: number) => Answer, port = 0) {
  const seen: Array<{ id: string; status: number | 'reset' }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(seen.length + 1);
      seen.push({ id: String(req.headers['webhook-id']), status: a === 'reset' ? 'reset' : a.status });
      // A reset mid-request: the gateway sees the socket die with no answer.
      if (a === 'reset') req.socket.destroy();
      else res.writeHead(a.status, a.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(close);
  return { url: `http://127.0.0.1:${bound}/hook`, port: bound, seen, close };
}
const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((c) => c()));
});

async function setup(url: string) {
  const keys = await testKeys();
  const secret = newSecret();
  return harness({ keys, secret, webhook: { url } });
}
const deliveries = (h: Awaited<ReturnType<typeof setup>>) =>
  h.store.db.selectFrom('deliveries').selectAll().orderBy('created_at').execute();

describe('provider outages', () => {
  it('retries a connection reset with the same webhook-id, then delivers once', async () => {
    const p = await provider((n) => (n <= 2 ? 'reset' : { status: 200 }));
    const h = await setup(p.url);
    await h.refer();
    const worker = h.worker();
    for (let i = 0; i < 2; i++) {
      await worker.runOnce();
      expect((await deliveries(h))[0]).toMatchObject({
        state: 'pending',
        last_error: expect.stringMatching(/^network/),
      });
      h.clock.advance(60_000);
    }
    await worker.runOnce();
    expect((await deliveries(h))[0]?.state).toBe('delivered');
    expect(new Set(p.seen.map((s) => s.id)).size).toBe(1);
    expect(p.seen).toHaveLength(3);
    expect(await h.audit('disclosed')).toHaveLength(1);
  });

  it('delivers once a receiver that was down comes back on the same port', async () => {
    const first = await provider(() => ({ status: 200 }));
    const h = await setup(first.url);
    await h.refer();
    await first.close();
    const worker = h.worker();
    await worker.runOnce();
    expect((await deliveries(h))[0]).toMatchObject({ state: 'pending', last_error: 'network:ECONNREFUSED' });
    const back = await provider(() => ({ status: 204 }), first.port);
    h.clock.advance(60_000);
    await worker.runOnce();
    expect((await deliveries(h))[0]?.state).toBe('delivered');
    expect(back.seen).toHaveLength(1);
    expect(await h.audit('disclosed')).toHaveLength(1);
  });

  it('loses nothing through a mixed outage of 500s, 429s, 503s and resets over several referrals', async () => {
    const script: Answer[] = [
      { status: 500 },
      'reset',
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 503 },
      { status: 502 },
      'reset',
      { status: 408 },
    ];
    const p = await provider((n) => script[n - 1] ?? { status: 200 });
    const h = await setup(p.url);
    const stays = ['a', 'b', 'c', 'd', 'e'];
    for (const s of stays) await h.refer(stay(`outage-${s}`));
    const worker = h.worker();
    for (let round = 0; round < 20; round++) {
      await worker.runOnce();
      h.clock.advance(10 * 60_000);
      if ((await deliveries(h)).every((d) => d.state === 'delivered')) break;
    }
    const rows = await deliveries(h);
    expect(rows.map((r) => r.state)).toEqual(stays.map(() => 'delivered'));
    // Each message reached the receiver with a 2xx exactly once, under its one webhook-id.
    const accepted = p.seen.filter((s) => s.status === 200).map((s) => s.id);
    expect(accepted.sort()).toEqual(rows.map((r) => r.webhook_id).sort());
    expect(await h.audit('disclosed')).toHaveLength(stays.length);
  });
});
