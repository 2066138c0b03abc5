// The demo's gateway: the real one (dist/gateway.js, built by `npm install`), started in this
// process on its embedded default (SQLite) in a temporary folder, with the synthetic sample
// partners copied there and their webhook URLs pointed at the demo's local receiver.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseDocument } from 'yaml';
import { parseSettings } from '../dist/config/settings.js';
import { runGateway } from '../dist/gateway.js';
import { createLogger } from '../dist/log.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A free loopback port (the gateway must know its public URL before it starts: token audience). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A Standard Webhooks secret: whsec_ and base64 of 32 random bytes. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * consent/ copied to `dir`, webhook URLs rewritten to `receiverUrl`. An agreement whose newest
 * version has ended is extended a year (said on screen), so the demo still runs after the sample
 * dates pass.
 */
function sampleRegistry(dir, receiverUrl, notes) {
  cpSync(join(ROOT, 'consent'), dir, { recursive: true });
  for (const name of readdirSync(join(dir, 'partners'))) {
    const file = join(dir, 'partners', name);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/url: http:\/\/127\.0\.0\.1:\d+\/webhooks\//, `url: ${receiverUrl}/`));
  }
  const today = new Date().toISOString().slice(0, 10);
  const newest = new Map();
  for (const name of readdirSync(join(dir, 'agreements'))) {
    const file = join(dir, 'agreements', name);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    const [id, version] = [doc.get('id'), doc.get('version')];
    if ((newest.get(id)?.version ?? -1) < version) newest.set(id, { version, file, doc });
  }
  for (const { file, doc } of newest.values()) {
    const to = doc.getIn(['effective', 'to']);
    if (typeof to !== 'string' || to >= today) continue;
    const later = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    doc.setIn(['effective', 'to'], later);
    writeFileSync(file, doc.toString());
    notes.push(`(sample agreement ${doc.get('id')} ended on ${to}; the demo's copy runs to ${later})`);
  }
}

export async function startDemoGateway(receiverUrl, homesteadSecret) {
  const dir = mkdtempSync(join(tmpdir(), 'homeward-demo-'));
  const notes = [];
  sampleRegistry(join(dir, 'consent'), receiverUrl, notes);
  const port = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${join(dir, 'data', 'gateway.db')}`,
    KEYS_DIR: join(dir, 'data', 'keys'),
    CONSENT_DIR: join(dir, 'consent'),
    PROFILES_DIR: join(ROOT, 'profiles'),
    ALLOW_INSECURE_LOCAL_WEBHOOKS: 'true',
    DELIVERY_POLL_MS: '100',
    AUDIT_CHECKPOINT_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
    HOMESTEAD_WEBHOOK_SECRET: homesteadSecret,
    TYNEBRIDGE_WEBHOOK_SECRET: newSecret(),
  };
  const settings = parseSettings(env);
  // The story goes to stdout; the gateway's own warnings (if any) to stderr.
  const gateway = await runGateway(settings, createLogger(settings.logLevel, pino.destination(2)), env);
  return {
    url: settings.publicUrl,
    dir,
    notes,
    async stop() {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
