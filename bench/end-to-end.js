// Benchmark: end to end (issue 11 item 5). Admissions go in over HTTP to a gateway child process
// (dist/main.js, SQLite file, WAL, synchronous=FULL) whose delivery worker sends each referral's
// webhook to a local receiver in this process; the receiver verifies every signature (v1 HMAC with
// the official standardwebhooks package, v1a Ed25519 against the gateway's JWKS) and answers 200.
// Load runs for BENCH_E2E_SECONDS (default 60) with BENCH_E2E_CONNECTIONS (default 16) in flight;
// then the outbox is left to drain (at most BENCH_E2E_DRAIN_SECONDS, default 60). Outbox depth
// (pending + in-flight deliveries) is sampled every second. Writes bench/results/end-to-end.json.
import { randomBytes, webcrypto } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { importJWK } from 'jose';
import { Webhook } from 'standardwebhooks';
import { startGateway } from './lib/gateway.js';
import { admissions, procMemory, writeResult } from './lib/harness.js';

const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_E2E_CONNECTIONS ?? 16);
const DRAIN_SECONDS = Number(process.env.BENCH_E2E_DRAIN_SECONDS ?? 60);

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const received = { ok: 0, badV1: 0, badV1a: 0, ids: new Set() };
let verifyKeys = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const h = req.headers;
    let v1 = false;
    try {
      new Webhook(secret).verify(body, h);
      v1 = true;
    } catch {
      v1 = false;
    }
    const content = new TextEncoder().encode(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`);
    const sigs = String(h['webhook-signature'] ?? '')
      .split(' ')
      .filter((s) => s.startsWith('v1a,'))
      .map((s) => Buffer.from(s.slice(4), 'base64'));
    let v1a = false;
    for (const key of verifyKeys)
      for (const sig of sigs) if (await webcrypto.subtle.verify('Ed25519', key, sig, content)) v1a = true;
    if (!v1) received.badV1++;
    if (!v1a) received.badV1a++;
    if (v1 && v1a) {
      received.ok++;
      received.ids.add(String(h['webhook-id']));
    }
    res.writeHead(v1 && v1a ? 200 : 401).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const webhookUrl = `http://127.0.0.1:${receiver.address().port}/webhooks/homeward`;

const gw = await startGateway({ database: 'file', webhookUrl, secret, deliver: true });
verifyKeys = await Promise.all(gw.keys.jwks().keys.map((jwk) => importJWK(jwk, 'EdDSA')));
const db = new Database(gw.dbFile, { readonly: true });
const depth = () =>
  db.prepare(`select count(*) as n from deliveries where state in ('pending', 'in-flight')`).get().n;

const samples = [];
const started = performance.now();
let sent = 0;
let refused = 0;
const sampler = setInterval(() => {
  samples.push({
    second: Math.round((performance.now() - started) / 1000),
    accepted: sent,
    delivered: received.ok,
    outboxDepth: depth(),
    gatewayRssMb: procMemory(gw.child.pid).rssMb,
  });
}, 1000);

const next = admissions(0);
const endAt = started + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < endAt) {
      const res = await fetch(`${gw.url}/fhir/$process-message`, {
        method: 'POST',
        headers: { authorization: gw.authorization, 'content-type': 'application/fhir+json' },
        body: next(),
      });
      await res.arrayBuffer();
      if (res.status === 200) sent++;
      else refused++;
    }
  }),
);
const loadSeconds = (performance.now() - started) / 1000;
const deliveredDuringLoad = received.ok;
const drainStart = performance.now();
while (depth() > 0 && performance.now() - drainStart < DRAIN_SECONDS * 1000)
  await new Promise((r) => setTimeout(r, 200));
const drainSeconds = (performance.now() - drainStart) / 1000;
clearInterval(sampler);
const totalSeconds = (performance.now() - started) / 1000;
const finalDepth = depth();
const referrals = db.prepare('select count(*) as n from referrals').get().n;
db.close();
const mem = procMemory(gw.child.pid);
await gw.stop();
receiver.close();
rmSync(gw.root, { recursive: true, force: true });

const summary = {
  loadSeconds: Number(loadSeconds.toFixed(1)),
  connections: CONNECTIONS,
  accepted: sent,
  refused,
  referrals,
  acceptedPerSecond: Math.round(sent / loadSeconds),
  deliveredDuringLoad,
  deliveredPerSecondDuringLoad: Math.round(deliveredDuringLoad / loadSeconds),
  deliveredTotal: received.ok,
  distinctWebhookIds: received.ids.size,
  badSignatures: received.badV1 + received.badV1a,
  drainSeconds: Number(drainSeconds.toFixed(1)),
  endToEndPerSecond: Math.round(received.ok / totalSeconds),
  maxOutboxDepth: Math.max(0, ...samples.map((s) => s.outboxDepth)),
  finalOutboxDepth: finalDepth,
  gatewayPeakRssMb: mem.peakRssMb,
};
console.table(samples.filter((_, i) => i % Math.max(1, Math.round(samples.length / 20)) === 0));
console.table([summary]);
writeResult('end-to-end', { summary, outboxDepthOverTime: samples });
