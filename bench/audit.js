// Benchmark: the disclosure audit (issue 5) on the real SQLite store (WAL, synchronous=FULL).
//  1. appends per second, one append per transaction (what each audited state change pays);
//  2. time and peak memory to verify a chain of BENCH_AUDIT_ENTRIES (default 1,000,000) entries,
//     which verification streams through in batches; and to check it against a checkpoint.
// Prints a table and writes bench/results/audit.json. Run with `npm run bench` (builds dist/ first).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../dist/audit/audit-log.js';
import { takeCheckpoint, verifyAgainstCheckpoint } from '../dist/audit/checkpoint.js';
import { verifyChain } from '../dist/audit/verify.js';
import { loadKeyRing } from '../dist/auth/keys.js';
import { openStore } from '../dist/store/index.js';
import { syntheticDisclosure } from './lib/harness.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
/** Appenders at once: 1 (each append its own fsync), then enough to show group commit. */
const APPEND_WRITERS = (process.env.BENCH_AUDIT_WRITERS ?? '1,64,256').split(',').map(Number);
/** Entries per transaction while filling the large chain (filling is set-up, not measured). */
const FILL_BATCH = 10_000;

const clock = { now: () => new Date() };
/** Disclosure i, about one of a million people. */
const disclosure = (i) => syntheticDisclosure(i, String(9_000_000_000 + (i % 1_000_000)));
const audit = createAuditLog({ clock, subjectKey: 'bench-subject-key-0123456789abcdef' });

/**
 * Appends per second with `writers` appenders at once, each append its own transaction (what each
 * audited state change pays). One writer: every append waits for its own COMMIT and fsync. Many
 * writers: the SQLite store's group commit puts the appends that arrive together into one
 * transaction with one fsync (src/store/group-commit.ts); each still resolves only after it.
 */
async function appendRate(dir, writers) {
  const store = await openStore(`sqlite:${join(dir, `appends-${writers}.db`)}`);
  const latencies = [];
  let n = 0;
  const started = performance.now();
  const writer = async () => {
    while (performance.now() - started < DURATION_MS) {
      const t0 = performance.now();
      await store.transaction((tx) => audit.append(tx, disclosure(n++)));
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  const seconds = (performance.now() - started) / 1000;
  const entries = await store.db
    .selectFrom('audit')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  const chain = await verifyChain(store.db);
  await store.close();
  if (!chain.ok || Number(entries?.n) !== latencies.length)
    throw new Error('append benchmark: chain broken or entries lost');
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    writers,
    appends: latencies.length,
    appendsPerSecond: Math.round(latencies.length / seconds),
    medianMs: Number(pct(0.5).toFixed(3)),
    p99Ms: Number(pct(0.99).toFixed(3)),
  };
}

async function verification(dir) {
  const file = join(dir, 'chain.db');
  const store = await openStore(`sqlite:${file}`);
  const fillStart = performance.now();
  for (let done = 0; done < ENTRIES; done += FILL_BATCH) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(ENTRIES, done + FILL_BATCH); i++) await audit.append(tx, disclosure(i));
    });
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const keys = await loadKeyRing(join(dir, 'keys'), { generateIfMissing: true });
  const checkpoint = await takeCheckpoint({ store, keys, clock, ids: { next: () => 'bench' } });

  // Other work on the machine slows verification down: recorded with the result (issue 11).
  const { availableParallelism, loadavg } = await import('node:os');
  const loadAverage1m = Number(loadavg()[0].toFixed(2));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  // As the gateway and the CLI run it: worker threads, one per core (src/audit/verify-parallel.ts).
  const t0 = performance.now();
  const result = await verifyChain(store.db);
  const verifySeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const held = await verifyAgainstCheckpoint(store.db, checkpoint.jws, keys, result);
  const checkpointMs = performance.now() - t1;
  clearInterval(sampler);
  // For comparison: all in the calling thread, as on PostgreSQL.
  const t2 = performance.now();
  const single = await verifyChain(store.db, { threads: 0 });
  const oneThreadSeconds = (performance.now() - t2) / 1000;
  await store.close();
  if (!result.ok || result.entries !== ENTRIES || !held.ok || single.entries !== ENTRIES)
    throw new Error(`verification failed: ${JSON.stringify(result)}`);
  return {
    entries: ENTRIES,
    databaseMb: Math.round(statSync(file).size / 1024 / 1024),
    fillSeconds: Number(fillSeconds.toFixed(1)),
    verifySeconds: Number(verifySeconds.toFixed(2)),
    entriesVerifiedPerSecond: Math.round(ENTRIES / verifySeconds),
    verifyThreads: availableParallelism(),
    verifyOneThreadSeconds: Number(oneThreadSeconds.toFixed(2)),
    loadAverage1m,
    checkpointCheckMs: Number(checkpointMs.toFixed(1)),
    rssBeforeVerifyMb: Math.round(rssBefore / 1024 / 1024),
    peakRssDuringVerifyMb: Math.round(peakRss / 1024 / 1024),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'homeward-bench-audit-'));
try {
  const appends = [];
  for (const writers of APPEND_WRITERS) appends.push(await appendRate(dir, writers));
  console.table(appends.map((a) => ({ scenario: 'append, one per transaction, synchronous=FULL', ...a })));
  const verify = await verification(dir);
  console.table([{ scenario: `verify a chain of ${ENTRIES} entries`, ...verify }]);
  const out = {
    benchmark: 'audit',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    durationMs: DURATION_MS,
    appends,
    verify,
  };
  writeFileSync(new URL('./results/audit.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
