/**
 * Several gateway processes sharing one PostgreSQL schema (issue 9 item 6): the compiled gateway
 * (dist/main.js) three times on three ports, started together on an empty schema; a load
 * generator spreads synthetic admissions over them, with 10% duplicates sent to another process
 * than the original; one process is SIGKILLed mid-run while it holds claimed deliveries.
 *
 * Scale: HOMEWARD_MULTI_PROCESS_MESSAGES distinct messages, by default the issue's full run of
 * 2000 (about 40 s on a two-core machine with the rest of the suite running beside it; set it
 * lower for a quick local run).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { issueAccessToken } from '../../src/auth/access-token.js';
import { generateSigningKey, loadKeyRing } from '../../src/auth/keys.js';
import { openStore, type Store } from '../../src/store/index.js';
import { newSecret } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { freePort, type GatewayProcess, startGateway, waitForOk } from '../helpers/gateway-process.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { consentFor, jobsFor, sendAll, until } from './multi-process-helpers.js';

const MESSAGES = Number(process.env.HOMEWARD_MULTI_PROCESS_MESSAGES || 2000);
const GATEWAYS = 3;
const VICTIM = 1;
const PUBLIC_URL = 'http://homeward.test';
const LEASE_MS = 3_000;

let schema: TestSchema | undefined;
let reader: Store | undefined;
let receiver: Receiver | undefined;
const gateways: GatewayProcess[] = [];
afterAll(async () => {
  for (const g of gateways) g.child.kill('SIGKILL');
  await Promise.all(gateways.map((g) => g.exited));
  await receiver?.close();
  await reader?.close();
  await schema?.drop();
});

async function startAll(env: Record<string, string>): Promise<string[]> {
  const ports: number[] = [];
  for (let i = 0; i < GATEWAYS; i++) ports.push(await freePort());
  // All at once on an empty schema: their migrations race, and must not fail.
  for (const port of ports) gateways.push(startGateway({ ...env, PORT: String(port) }));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(gateways.map((g, i) => waitForOk(`${urls[i]}/health/ready`, g, 30_000)));
  return urls;
}

describe('several gateway processes on one PostgreSQL schema', () => {
  it('store each message once, deliver each referral once with one disclosure, keep one chain; survive a SIGKILL', async () => {
    const started = Date.now();
    schema = await createSchema();
    const dir = tempDir('homeward-multi-');
    const keysDir = join(dir, 'keys');
    await generateSigningKey(keysDir);
    const keys = await loadKeyRing(keysDir, { generateIfMissing: false });
    const secret = newSecret();
    // A provider that takes a moment to answer, so that deliveries are in flight when one dies.
    const rx = await startReceiver({
      secret,
      jwks: () => keys.jwks(),
      reply: () => ({ status: 200, delayMs: 50 }),
    });
    receiver = rx;
    const urls = await startAll({
      DATABASE_URL: schema.url,
      DATABASE_POOL_MAX: '5',
      PUBLIC_URL,
      CONSENT_DIR: consentFor(dir, rx.url),
      KEYS_DIR: keysDir,
      AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
      HOMESTEAD_WEBHOOK_SECRET: secret,
      TYNEBRIDGE_WEBHOOK_SECRET: newSecret(),
      ALLOW_INSECURE_LOCAL_WEBHOOKS: '1',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DELIVERY_POLL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '1500',
      DELIVERY_LEASE_MS: String(LEASE_MS),
      DELIVERY_RETRY_BASE_MS: '100',
      DELIVERY_RETRY_CAP_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    reader = await openStore(schema.url);
    const db = reader.db;
    const ready = Date.now();
    const { token } = await issueAccessToken('north-coast-trust', ['system/Bundle.c'], {
      keys,
      issuer: PUBLIC_URL,
      ttlSeconds: 900,
      now: new Date(),
    });

    // The victim is killed once 40% of the jobs have started and it holds claimed deliveries.
    const victimOwner = `%:${gateways[VICTIM]?.child.pid}:%`;
    const inFlight = () =>
      db
        .selectFrom('deliveries')
        .selectAll()
        .where('state', '=', 'in-flight')
        .where('lease_owner', 'like', victimOwner)
        .execute();
    const dead = new Set<number>();
    const kill = async () => {
      // Several claimed at once, so that some are surely still in flight a moment later at the kill.
      await until(
        async () => ((await inFlight()).length >= 3 ? true : undefined),
        20_000,
        'the victim to claim',
      );
      dead.add(VICTIM);
      gateways[VICTIM]?.child.kill('SIGKILL');
      await gateways[VICTIM]?.exited;
      return inFlight(); // what it left claimed
    };
    const jobs = jobsFor(MESSAGES, GATEWAYS);
    let killing: ReturnType<typeof kill> | undefined;
    const answers = await sendAll(jobs, { urls, alive: (i) => !dead.has(i) }, `Bearer ${token}`, 12, (n) => {
      if (!killing && n >= jobs.length * 0.4) killing = kill();
    });
    const killed = (await killing) ?? [];
    const sent = Date.now();

    // Nothing lost: every answer is 200, and a duplicate gets its original's response.
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body.slice(0, 200)}`)).toEqual(
      [],
    );
    const firstAnswer = new Map<number, string>();
    for (const a of answers) {
      const first = firstAnswer.get(a.job.message) ?? a.body;
      firstAnswer.set(a.job.message, first);
      expect(a.body).toBe(first);
    }
    expect(answers.some((a) => a.tried.includes(VICTIM))).toBe(true);

    const deliveries = await until(
      async () => {
        const rows = await db.selectFrom('deliveries').selectAll().execute();
        return rows.length === MESSAGES && rows.every((r) => r.state === 'delivered') ? rows : undefined;
      },
      60_000,
      'every delivery to be delivered',
    );
    const delivered = Date.now();

    // Each distinct message stored once; each referral delivered once, with one `disclosed` entry.
    const events = await db.selectFrom('events').select('message_id').execute();
    expect(new Set(events.map((e) => e.message_id)).size).toBe(MESSAGES);
    expect(events).toHaveLength(MESSAGES);
    expect(await db.selectFrom('referrals').select('id').execute()).toHaveLength(MESSAGES);
    const disclosed = await db
      .selectFrom('audit')
      .select(['at', 'detail'])
      .where('action', '=', 'disclosed')
      .execute();
    const byDelivery = new Map(disclosed.map((e) => [JSON.parse(e.detail ?? '{}').deliveryId as string, e]));
    expect(disclosed).toHaveLength(MESSAGES);
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(byDelivery.keys()));
    expect(await verifyChain(db)).toMatchObject({ ok: true });

    // The receiver saw each webhook-id once, unless a retry was recorded (at-least-once, same id).
    const seen = new Map<string, number>();
    for (const r of rx.received)
      seen.set(r.headers['webhook-id'] ?? '', (seen.get(r.headers['webhook-id'] ?? '') ?? 0) + 1);
    expect(new Set(seen.keys())).toEqual(new Set(deliveries.map((d) => d.webhook_id)));
    for (const d of deliveries) expect(d.attempts).toBeGreaterThanOrEqual(seen.get(d.webhook_id) ?? 0);
    expect(rx.received.every((r) => r.v1 === true && r.v1a === true)).toBe(true);

    // The victim's claimed deliveries were taken over once their leases expired, and delivered.
    expect(killed.length).toBeGreaterThan(0);
    for (const row of killed) {
      const after = deliveries.find((d) => d.id === row.id);
      expect(after?.attempts).toBeGreaterThan(row.attempts);
      const entry = byDelivery.get(row.id);
      expect(Date.parse(entry?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(row.lease_expires_at ?? ''));
    }
    const retried = deliveries.filter((d) => d.attempts > 1).length;
    console.info(
      `multi-process: ${MESSAGES} messages (+${jobs.length - MESSAGES} duplicates) over ${GATEWAYS} gateways; ` +
        `start ${ready - started} ms, send ${sent - ready} ms (${Math.round((jobs.length * 1000) / (sent - ready))}/s), ` +
        `all delivered after ${delivered - ready} ms; victim left ${killed.length} claimed, ${retried} deliveries retried`,
    );
  }, 150_000);
});
