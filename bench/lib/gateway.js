// A gateway child process (dist/main.js) for the HTTP benchmarks: its own keys, a consent folder
// whose Homestead webhook points at `webhookUrl` with the agreement in force to 2099, a raised
// rate limit, and (unless `deliver`) no delivery worker.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerFor, freePort, startChild } from './harness.js';

export const PUBLIC_URL = 'http://homeward.bench';
export const SUBJECT_KEY = 'bench-audit-subject-key-0123456789abcdef';

function consentFor(dir, url) {
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

/** `database`: 'file' (sqlite, WAL, synchronous=FULL), 'memory', or a DATABASE_URL. */
export async function startGateway({
  database = 'file',
  webhookUrl = 'http://127.0.0.1:9/none',
  secret = '',
  deliver = false,
  env = {},
  dir,
} = {}) {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'homeward-bench-gw-'));
  const keysDir = join(root, 'keys');
  const dbFile = join(root, 'gateway.db');
  const databaseUrl =
    database === 'file' ? `sqlite:${dbFile}` : database === 'memory' ? 'sqlite::memory:' : database;
  const { authorization, keys } = await bearerFor(keysDir, PUBLIC_URL);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startChild(
    'dist/main.js',
    {
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL,
      CONSENT_DIR: consentFor(root, webhookUrl),
      KEYS_DIR: keysDir,
      AUDIT_SUBJECT_KEY: SUBJECT_KEY,
      HOMESTEAD_WEBHOOK_SECRET: secret || 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC1iZW5jaC0xMjM0',
      TYNEBRIDGE_WEBHOOK_SECRET: 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC1iZW5jaC0xMjM0',
      ALLOW_INSECURE_LOCAL_WEBHOOKS: '1',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DELIVERY_POLL_MS: deliver ? '20' : '0',
      ...env,
    },
    `${url}/health/ready`,
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  return { ...proc, url, authorization, keys, dbFile, databaseUrl, root };
}
