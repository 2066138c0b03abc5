/**
 * Shutdown and crash safety of the delivery worker (issue 8 item 6), with the compiled gateway
 * (dist/main.js, built by the test global setup) running in a child process against a SQLite file.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../src/auth/keys.js';
import { loadRegistry } from '../../src/config/registry.js';
import { openStore } from '../../src/store/index.js';
import { harness, newSecret } from '../delivery/harness.js';
import { type Receiver, type Reply, startReceiver } from '../delivery/receiver.js';
import { freePort, type GatewayProcess, startGateway, waitForOk } from '../helpers/gateway-process.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';

let rx: Receiver | undefined;
let gateways: GatewayProcess[] = [];
afterEach(async () => {
  for (const g of gateways) g.child.kill('SIGKILL');
  gateways = [];
  await rx?.close();
  rx = undefined;
});

/** A consent folder whose Homestead webhook points at `url` (and whose agreement does not expire under the test). */
function consentFor(dir: string, url: string): string {
  const consent = join(dir, 'consent');
  cpSync('consent', consent, { recursive: true });
  const partner = join(consent, 'partners', 'homegroup-discharge.yaml');
  writeFileSync(
    partner,
    readFileSync(partner, 'utf8').replace(/url: http:\/\/127\.0\.0\.1:9900\S*/, `url: ${url}`),
  );
  const agreement = join(consent, 'agreements', 'dsa-north-coast-homestead-discharge.v2.yaml');
  writeFileSync(agreement, readFileSync(agreement, 'utf8').replace('to: "2027-03-31"', 'to: "2099-12-31"'));
  return consent;
}

async function setup(reply: (n: number) => Reply) {
  const dir = tempDir('homeward-crash-');
  const secret = newSecret();
  const keysDir = join(dir, 'keys');
  const keys = await loadKeyRing(keysDir, { generateIfMissing: true });
  rx = await startReceiver({ secret, jwks: () => keys.jwks(), reply });
  const consentDir = consentFor(dir, rx.url);
  const databaseUrl = `sqlite:${join(dir, 'gateway.db')}`;
  // The referral is made in this process, committed to the file, then the store is closed.
  const h = await harness({
    keys,
    secret,
    store: await openStore(databaseUrl),
    registry: () => loadRegistry(consentDir),
  });
  await h.refer();
  await h.store.close();
  const env = {
    DATABASE_URL: databaseUrl,
    CONSENT_DIR: consentDir,
    KEYS_DIR: keysDir,
    AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
    HOMESTEAD_WEBHOOK_SECRET: secret,
    TYNEBRIDGE_WEBHOOK_SECRET: newSecret(),
    ALLOW_INSECURE_LOCAL_WEBHOOKS: 'true',
    DELIVERY_POLL_MS: '100',
    WEBHOOK_TIMEOUT_MS: '5000',
    DELIVERY_LEASE_MS: '6000',
  };
  const start = async () => {
    const port = await freePort();
    const gw = startGateway({ ...env, PORT: String(port) });
    gateways.push(gw);
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, gw);
    return gw;
  };
  const read = async () => {
    const store = await openStore(databaseUrl);
    try {
      const deliveries = await store.db.selectFrom('deliveries').selectAll().execute();
      const audit = await store.db.selectFrom('audit').select(['action', 'detail']).orderBy('seq').execute();
      return { delivery: deliveries[0], deliveries, audit };
    } finally {
      await store.close();
    }
  };
  return { start, read, receiver: rx };
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('delivery across process death', () => {
  it('SIGKILL mid-send: nothing recorded as sent; after the lease expires a restart delivers it, same webhook-id', async () => {
    const s = await setup((n) => (n === 1 ? { hold: true } : { status: 200 }));
    const first = await s.start();
    await s.receiver.nth(1);
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = await s.read();
    expect(killed.delivery).toMatchObject({ state: 'in-flight', attempts: 1 });
    expect(killed.audit.filter((e) => e.action === 'disclosed' || e.action === 'delivery-attempted')).toEqual(
      [],
    );

    const second = await s.start();
    const retried = await s.receiver.nth(2);
    const done = await until(async () => {
      const r = await s.read();
      return r.delivery?.state === 'delivered' ? r : undefined;
    });
    expect(retried.headers['webhook-id']).toBe(s.receiver.received[0]?.headers['webhook-id']);
    expect([retried.v1, retried.v1a]).toEqual([true, true]);
    expect(done.delivery).toMatchObject({ attempts: 2, webhook_id: retried.headers['webhook-id'] });
    // One disclosure, for the attempt that got a 2xx; the killed attempt left no entry.
    const disclosed = done.audit.filter((e) => e.action === 'disclosed');
    expect(disclosed.map((e) => JSON.parse(e.detail ?? '{}'))).toEqual([
      expect.objectContaining({ attempt: 2, httpStatus: 200 }),
    ]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('SIGTERM mid-send: the send completes and is recorded before the process exits', async () => {
    const s = await setup(() => ({ status: 200, delayMs: 1_000 }));
    const gw = await s.start();
    await s.receiver.nth(1);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    const after = await s.read();
    expect(after.delivery).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(after.audit.filter((e) => e.action === 'disclosed')).toHaveLength(1);
    expect(s.receiver.received).toHaveLength(1);
  });
});
