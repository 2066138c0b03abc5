// Shared helpers for the benchmarks (not a benchmark itself: `npm run bench` runs bench/*.js only).
// Statistics (median, p99, ops/s), peak RSS sampling, result files, synthetic admission messages,
// and a gateway child process (dist/main.js) with its token.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, freemem, totalmem } from 'node:os';
import { nhsCheckDigit } from '../../dist/fhir/nhs-number.js';

export const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);

/** The machine a result was measured on (with the note that the bench machine may be shared). */
export function machine() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    node: process.version,
    totalMemMb: Math.round(totalmem() / 1048576),
    freeMemMb: Math.round(freemem() / 1048576),
  };
}

/** Median, p99 and max of latencies in ms. */
export function summarise(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
  return {
    medianMs: Number(pct(0.5).toFixed(3)),
    p99Ms: Number(pct(0.99).toFixed(3)),
    maxMs: Number((sorted[sorted.length - 1] ?? NaN).toFixed(3)),
  };
}

/** Run `op` repeatedly for `durationMs` (one at a time); ops/s, median, p99, peak RSS of this process. */
export async function measure(label, op, durationMs = DURATION_MS) {
  const latencies = [];
  let peakRss = process.memoryUsage().rss;
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < durationMs) {
    const t0 = performance.now();
    await op(n++);
    latencies.push(performance.now() - t0);
    if (n % 256 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    label,
    ops: n,
    opsPerSecond: Math.round(n / seconds),
    ...summarise(latencies),
    peakRssMb: Math.round(peakRss / 1048576),
  };
}

/** Write bench/results/<name>.json with the date and machine. */
export function writeResult(name, body) {
  const out = { benchmark: name, date: new Date().toISOString(), machine: machine(), ...body };
  // bench/results/ is git-ignored: a fresh clone does not have it.
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`../results/${name}.json`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/** Peak resident set (VmHWM) and current RSS of a process, in MB, from /proc (Linux). */
export function procMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { peakRssMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return { peakRssMb: NaN, rssMb: NaN };
  }
}

/** NHS numbers from the 999 test range with a valid Modulus 11 check digit, each once. */
export function* syntheticNhsNumbers(start = 0) {
  for (let n = start; n < 1_000_000; n++) {
    const nine = `999${String(n).padStart(6, '0')}`;
    const check = nhsCheckDigit(nine);
    if (check !== undefined) yield `${nine}${check}`;
  }
}

const ADMISSION = readFileSync(
  new URL('../../test/fixtures/messages/admission-request.json', import.meta.url),
  'utf8',
);

/**
 * The admission fixture (9 entries) as a new message: its own MessageHeader id, Bundle id,
 * Encounter identifier and NHS number; the consent open-ended so runs do not expire with the fixture.
 */
/** Audit input for disclosure n, of realistic size: every column the delivery stage fills. */
export function syntheticDisclosure(i, subjectNhsNumber) {
  return {
    action: 'disclosed',
    actor: 'north-coast-trust',
    recipient: 'homegroup-discharge',
    referralId: `ref-${i}`,
    eventId: `evt-${i}`,
    agreement: { id: 'dsa-north-coast-homestead-discharge', version: 2, sha256: 'a'.repeat(64) },
    consents: [{ reference: `Consent/c-${i}`, versionId: '1' }],
    lawfulBasis: '6(1)(e) public task; 9(2)(h) health or social care',
    purpose: 'hospital-discharge-housing-support',
    fields: ['name', 'contactDetails', 'reason', 'hospital', 'ward', 'expectedDischargeDate', 'supportNeeds'],
    payloadSha256: 'b'.repeat(64),
    subjectNhsNumber,
    requestId: `req-${i}`,
  };
}

export function syntheticAdmission(n, nhsNumber) {
  const bundle = JSON.parse(ADMISSION);
  const headerId = randomUUID();
  bundle.id = randomUUID();
  bundle.entry[0].fullUrl = `urn:uuid:${headerId}`;
  bundle.entry[0].resource.id = headerId;
  for (const e of bundle.entry) {
    const r = e.resource;
    if (r.resourceType === 'Patient') r.identifier[0].value = nhsNumber;
    if (r.resourceType === 'Encounter') r.identifier[0].value = `ENC-BENCH-${n}`;
    if (r.resourceType === 'Consent') r.provision.period.end = '2099-12-31';
  }
  return JSON.stringify(bundle);
}

/** An endless supply of distinct admissions. */
export function admissions(startAt = 0) {
  let numbers = syntheticNhsNumbers();
  let n = startAt;
  return () => {
    let nhs = numbers.next();
    if (nhs.done) {
      numbers = syntheticNhsNumbers();
      nhs = numbers.next();
    }
    return syntheticAdmission(n++, nhs.value);
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Start `node <script>` with `env`; resolves once `readyUrl` answers 200. */
export async function startChild(script, env, readyUrl, args = []) {
  const child = spawn(process.execPath, [...args, script], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !gone) {
    try {
      if ((await fetch(readyUrl)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (gone || Date.now() >= deadline) throw new Error(`${script} did not start: ${output.slice(-2000)}`);
  return {
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A bearer token for `partnerId`, minted with the key in `keysDir` (as test/helpers/tokens.ts does). */
export async function bearerFor(keysDir, publicUrl, partnerId = 'north-coast-trust') {
  const { loadKeyRing } = await import('../../dist/auth/keys.js');
  const { issueAccessToken } = await import('../../dist/auth/access-token.js');
  const keys = await loadKeyRing(keysDir, { generateIfMissing: true });
  const { token } = await issueAccessToken(partnerId, ['system/Bundle.c'], {
    keys,
    issuer: publicUrl,
    ttlSeconds: 3600,
    now: new Date(),
  });
  return { authorization: `Bearer ${token}`, keys };
}
