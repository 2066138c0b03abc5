// Benchmark: scale (issue 11 item 6). For each size in BENCH_SCALE_ENTRIES (default
// 0,100000,1000000) existing audit entries: intake throughput of the gateway child process on that
// database (SQLite file, synchronous=FULL, autocannon at 16 connections for BENCH_DURATION_MS), and
// the latency of an IG lead's audit query by subject (one NHS number's first page of 50, through
// the same query the API runs, with the IG partner's visibility). Writes bench/results/scale.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createAuditLog } from '../dist/audit/audit-log.js';
import { findEntries, visibilityOf } from '../dist/audit/query.js';
import { subjectHmac } from '../dist/audit/subject.js';
import { loadRegistry } from '../dist/config/registry.js';
import { openStore } from '../dist/store/index.js';
import { SUBJECT_KEY, startGateway } from './lib/gateway.js';
import {
  admissions,
  DURATION_MS,
  measure,
  procMemory,
  syntheticDisclosure,
  syntheticNhsNumbers,
  writeResult,
} from './lib/harness.js';

const SIZES = (process.env.BENCH_SCALE_ENTRIES ?? '0,100000,1000000').split(',').map(Number);
const FILL_BATCH = 10_000;
/** Distinct people in the filled audit: each has entries / PEOPLE entries spread over the chain. */
const PEOPLE = 50_000;
const clock = { now: () => new Date() };
const audit = createAuditLog({ clock, subjectKey: SUBJECT_KEY });
const registry = loadRegistry('consent');
const visibility = visibilityOf(registry, 'ig-audit-north');

const people = [];
for (const n of syntheticNhsNumbers(500_000)) {
  people.push(n);
  if (people.length === PEOPLE) break;
}
const disclosure = (i) => syntheticDisclosure(i, people[i % PEOPLE]);

const results = [];
for (const size of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'homeward-bench-scale-'));
  const dbFile = join(dir, 'gateway.db');
  const store = await openStore(`sqlite:${dbFile}`);
  const fillStart = performance.now();
  for (let done = 0; done < size; done += FILL_BATCH) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(size, done + FILL_BATCH); i++) await audit.append(tx, disclosure(i));
    });
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  await store.close();

  const gw = await startGateway({ database: `sqlite:${dbFile}`, dir });
  const next = admissions(0);
  const r = await autocannon({
    url: `${gw.url}/fhir/$process-message`,
    connections: 16,
    duration: DURATION_MS / 1000,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { authorization: gw.authorization, 'content-type': 'application/fhir+json' },
        setupRequest: (req) => ({ ...req, body: next() }),
      },
    ],
  });
  const mem = procMemory(gw.child.pid);
  await gw.stop();

  const reader = await openStore(`sqlite:${dbFile}`);
  const subjects = people.slice(0, 1000).map((n) => subjectHmac(SUBJECT_KEY, n));
  let found = 0;
  const query = await measure(
    'subject query',
    async (i) => {
      const page = await findEntries(reader.db, { subjectHmac: subjects[i % subjects.length] }, visibility, {
        limit: 50,
        afterSeq: 0,
      });
      found += page.entries.length;
    },
    Math.min(DURATION_MS, 3000),
  );
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
  results.push({
    existingAuditEntries: size,
    fillSeconds: Number(fillSeconds.toFixed(1)),
    intakeReqPerSecond16: Math.round(r.requests.total / (r.duration || DURATION_MS / 1000)),
    intakeP99Ms16: r.latency.p99,
    intakeNon2xx: r.non2xx,
    gatewayPeakRssMb: mem.peakRssMb,
    subjectQueryMedianMs: query.medianMs,
    subjectQueryP99Ms: query.p99Ms,
    subjectQueriesPerSecond: query.opsPerSecond,
    meanEntriesPerPage: Number((found / query.ops).toFixed(1)),
  });
  console.table(results.slice(-1));
}
console.table(results);
writeResult('scale', { durationMs: DURATION_MS, results });
