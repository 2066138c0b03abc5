/**
 * Crash test (issue 12 item 5): the compiled gateway (dist/main.js) on one SQLite file (and on
 * one PostgreSQL schema), under
 * continuous load, is killed with SIGKILL at random moments and restarted, CRASH_KILLS times
 * (default 20; CRASH_SEED replays a run). A sender retries a message whose gateway died under it,
 * as a trust's engine does. Afterwards: every message answered 2xx is stored exactly once, every
 * referral is delivered (the receiver saw its webhook-id), with exactly one `disclosed` entry per
 * delivery and none without the receiver's 2xx, and the audit chain verifies.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { issueAccessToken } from '../../src/auth/access-token.js';
import { generateSigningKey, loadKeyRing } from '../../src/auth/keys.js';
import { openStore } from '../../src/store/index.js';
import { newSecret } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { freePort, type GatewayProcess, startGateway, waitForOk } from '../helpers/gateway-process.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { consentFor } from '../integration/multi-process-helpers.js';
import { seeded, startLoad } from './load.js';

const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
const PUBLIC_URL = 'http://homeward.test';

let gw: GatewayProcess | undefined;
const receivers: Receiver[] = [];
afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await Promise.all(receivers.map((r) => r.close()));
});

/** The two stores: a SQLite file in the test's folder, a fresh PostgreSQL schema. */
const BACKENDS: Array<[string, (dir: string) => Promise<string>]> = [
  ['SQLite', async (dir) => `sqlite:${join(dir, 'gateway.db')}`],
  [
    'PostgreSQL',
    async () => {
      const schema = await createSchema();
      schemas.push(schema);
      return schema.url;
    },
  ],
];
const schemas: TestSchema[] = [];
afterAll(async () => {
  await Promise.all(schemas.map((s) => s.drop()));
});

describe.each(BACKENDS)('SIGKILL at random moments under load (%s)', (_name, database) => {
  it(
    `survives ${KILLS} kills without losing or duplicating anything`,
    { timeout: 60_000 + KILLS * 6_000 },
    async () => {
      console.log(`crash: seed ${SEED} (replay with CRASH_SEED=${SEED}), ${KILLS} kills`);
      const random = seeded(SEED);
      const dir = tempDir('homeward-crash-');
      const keysDir = join(dir, 'keys');
      await generateSigningKey(keysDir);
      const keys = await loadKeyRing(keysDir, { generateIfMissing: false });
      const secret = newSecret();
      // A short delay, so deliveries are often in flight when the gateway dies.
      const receiver = await startReceiver({
        secret,
        jwks: () => keys.jwks(),
        reply: () => ({ status: 200, delayMs: 20 }),
      });
      receivers.push(receiver);
      const databaseUrl = await database(dir);
      const env = {
        DATABASE_URL: databaseUrl,
        PUBLIC_URL,
        CONSENT_DIR: consentFor(dir, receiver.url),
        KEYS_DIR: keysDir,
        AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
        HOMESTEAD_WEBHOOK_SECRET: secret,
        TYNEBRIDGE_WEBHOOK_SECRET: newSecret(),
        ALLOW_INSECURE_LOCAL_WEBHOOKS: '1',
        RATE_LIMIT_PER_MINUTE: '1000000',
        DELIVERY_POLL_MS: '50',
        WEBHOOK_TIMEOUT_MS: '500',
        DELIVERY_LEASE_MS: '1500',
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_RETRY_CAP_MS: '500',
        AUDIT_CHECKPOINT_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
      };
      const { token } = await issueAccessToken('north-coast-trust', ['system/Bundle.c'], {
        keys,
        issuer: PUBLIC_URL,
        ttlSeconds: 900,
        now: new Date(),
      });
      let url = '';
      const start = async () => {
        const port = await freePort();
        gw = startGateway({ ...env, PORT: String(port) });
        await waitForOk(`http://127.0.0.1:${port}/health/ready`, gw);
        url = `http://127.0.0.1:${port}`;
      };

      await start();
      const load = startLoad(() => url, `Bearer ${token}`);
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 50 + Math.floor(random() * 350)));
        gw?.child.kill('SIGKILL');
        await gw?.exited;
        await start();
      }
      await load.finish();
      const { bodies, answered } = load;

      // Every message answered, all 2xx (a kill is never a 5xx to a retried message).
      expect(answered.size).toBe(bodies.length);
      expect([...answered.values()].filter((s) => s !== 200)).toEqual([]);

      const store = await openStore(databaseUrl);
      try {
        const deadline = Date.now() + 30_000;
        let deliveries = await store.db.selectFrom('deliveries').selectAll().execute();
        while (Date.now() < deadline && !deliveries.every((d) => d.state === 'delivered')) {
          await new Promise((r) => setTimeout(r, 200));
          deliveries = await store.db.selectFrom('deliveries').selectAll().execute();
        }
        const events = await store.db.selectFrom('events').select('message_id').execute();
        expect(events).toHaveLength(bodies.length);
        expect(new Set(events.map((e) => e.message_id)).size).toBe(bodies.length);
        expect(await store.db.selectFrom('referrals').select('id').execute()).toHaveLength(bodies.length);
        expect(deliveries).toHaveLength(bodies.length);
        expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);

        const disclosed = await store.db
          .selectFrom('audit')
          .select('detail')
          .where('action', '=', 'disclosed')
          .execute();
        const perDelivery = new Map<string, number>();
        for (const e of disclosed) {
          const id = String(JSON.parse(e.detail ?? '{}').deliveryId);
          perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
        }
        expect([...perDelivery.values()].every((c) => c === 1)).toBe(true);
        expect(new Set(perDelivery.keys())).toEqual(new Set(deliveries.map((d) => d.id)));
        // The receiver answers every request 200: a delivery's id seen there is its 2xx.
        const seen = new Set(receiver.received.map((r) => r.headers['webhook-id']));
        for (const d of deliveries) expect(seen.has(d.webhook_id)).toBe(true);
        expect(await verifyChain(store.db)).toMatchObject({ ok: true });
        const retried = deliveries.filter((d) => d.attempts > 1).length;
        console.log(
          `crash: ${KILLS} kills survived, ${bodies.length} messages, ${deliveries.length} deliveries (${retried} retried after a kill), ${receiver.received.length} webhook requests`,
        );
      } finally {
        await store.close();
      }
      gw?.child.kill('SIGTERM');
      expect((await gw?.exited)?.code).toBe(0);
    },
  );
});
