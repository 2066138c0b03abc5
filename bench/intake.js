// Benchmark: intake, POST /fhir/$process-message over HTTP (issue 11 items 2 and 3).
// The gateway runs as a child process (dist/main.js): authenticated, a durable commit before every
// answer (SQLite file, WAL, synchronous=FULL), the decision and the referral included; no delivery
// worker. Beside it in the same run, two baselines: a bare express 5 app that parses the same JSON
// and answers 200, and the gateway with DATABASE_URL=sqlite::memory:. autocannon drives each at
// 1, 16 and 64 connections with a distinct admission (9 entries) per request.
// Prints a table and writes bench/results/intake.json. Run with `npm run bench`.
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { startGateway } from './lib/gateway.js';
import { admissions, DURATION_MS, freePort, procMemory, startChild, writeResult } from './lib/harness.js';

const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);

/** autocannon against `url` with a fresh admission per request. */
function load(url, authorization, connections, next) {
  return autocannon({
    url: `${url}/fhir/$process-message`,
    connections,
    duration: DURATION_MS / 1000,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/fhir+json' },
        setupRequest: (req) => ({ ...req, body: next() }),
      },
    ],
  });
}

async function scenario(name, server, authorization) {
  const rows = [];
  const next = admissions(0);
  for (const connections of CONNECTIONS) {
    const r = await load(server.url, authorization, connections, next);
    rows.push({
      server: name,
      connections,
      requests: r.requests.total,
      reqPerSecond: Math.round(r.requests.total / (r.duration || DURATION_MS / 1000)),
      medianMs: r.latency.p50,
      p99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
    });
  }
  const mem = procMemory(server.child.pid);
  for (const row of rows) row.serverPeakRssMb = mem.peakRssMb;
  return rows;
}

const rows = [];
// Bare express baseline.
{
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bare = await startChild('bench/lib/bare-express.js', { PORT: String(port) }, `${url}/health/ready`);
  try {
    rows.push(...(await scenario('bare express 5', { ...bare, url }, 'Bearer none')));
  } finally {
    await bare.stop();
  }
}
// Gateway, durable (SQLite file, synchronous=FULL).
let stored;
{
  const gw = await startGateway({ database: 'file' });
  try {
    rows.push(...(await scenario('gateway, sqlite file (durable)', gw, gw.authorization)));
  } finally {
    await gw.stop();
  }
  const db = new Database(gw.dbFile, { readonly: true });
  const count = (t) => db.prepare(`select count(*) as n from ${t}`).get().n;
  stored = {
    events: count('events'),
    referrals: count('referrals'),
    deliveries: count('deliveries'),
    audit: count('audit'),
  };
  db.close();
  rmSync(gw.root, { recursive: true, force: true });
}
// Gateway, no durability baseline (sqlite::memory:).
{
  const gw = await startGateway({ database: 'memory' });
  try {
    rows.push(...(await scenario('gateway, sqlite :memory:', gw, gw.authorization)));
  } finally {
    await gw.stop();
    rmSync(gw.root, { recursive: true, force: true });
  }
}
console.table(rows);

const find = (server, c) => rows.find((r) => r.server.startsWith(server) && r.connections === c);
const ratios = CONNECTIONS.map((c) => ({
  connections: c,
  durableOverBareExpress: Number(
    (find('gateway, sqlite file', c).reqPerSecond / find('bare', c).reqPerSecond).toFixed(3),
  ),
  durableOverInMemory: Number(
    (find('gateway, sqlite file', c).reqPerSecond / find('gateway, sqlite :memory:', c).reqPerSecond).toFixed(
      3,
    ),
  ),
}));
console.table(ratios);
console.table([stored]);
writeResult('intake', {
  durationMs: DURATION_MS,
  connections: CONNECTIONS,
  results: rows,
  ratios,
  storedByDurableRun: stored,
});
