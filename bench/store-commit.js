// Benchmark: durable commits per second through the real SQLite store (WAL, synchronous=FULL).
// Prints a table and writes bench/results/store-commit.json. Run with `npm run bench`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../dist/store/index.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);

async function run(label, url) {
  const store = await openStore(url);
  const latencies = [];
  let n = 0;
  let peakRss = process.memoryUsage().rss;
  const started = performance.now();
  while (performance.now() - started < DURATION_MS) {
    const t0 = performance.now();
    await store.transaction(async (tx) => {
      await tx
        .insertInto('kv')
        .values({ key: `k${n++}`, value: 'x'.repeat(500) })
        .execute();
    });
    latencies.push(performance.now() - t0);
    if (n % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    label,
    commits: n,
    commitsPerSecond: Math.round(n / seconds),
    medianMs: Number(pct(0.5).toFixed(3)),
    p99Ms: Number(pct(0.99).toFixed(3)),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'homeward-bench-'));
const results = [
  await run('sqlite file, synchronous=FULL', `sqlite:${join(dir, 'bench.db')}`),
  await run('sqlite :memory: (baseline)', 'sqlite::memory:'),
];
console.table(results);
const out = {
  benchmark: 'store-commit',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  durationMs: DURATION_MS,
  results,
};
writeFileSync(new URL('./results/store-commit.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
