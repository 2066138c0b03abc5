// Benchmark: the pipeline's pure components in-process (issue 11 item 4), one call at a time on
// a distinct synthetic admission (9 entries): message validation (checkMessage: structure,
// profiles, references), the consent decision (decide, for every candidate recipient), mapping
// (buildDataset for a permitted referral) and webhook signing (signWebhook, v1 HMAC + v1a Ed25519).
// The audit append and verification are in bench/audit.js. Writes bench/results/components.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyRing } from '../dist/auth/keys.js';
import { loadRegistry } from '../dist/config/registry.js';
import { signWebhook } from '../dist/delivery/webhook-signature.js';
import { secretReader, trustCredentials } from '../dist/fhir/trust-credentials.js';
import { trustFhir } from '../dist/fhir/trust-fhir.js';
import { checkMessage } from '../dist/ingest/check-message.js';
import { parseEvent } from '../dist/ingest/parse-event.js';
import { loadIntakeProfiles } from '../dist/ingest/profiles.js';
import { buildDataset } from '../dist/mapping/build-dataset.js';
import { candidates } from '../dist/mapping/routing.js';
import { decideFor } from '../dist/pipeline/process-event.js';
import { admissions, DURATION_MS, measure, writeResult } from './lib/harness.js';

const registry = loadRegistry('consent');
const profiles = loadIntakeProfiles('profiles');
const partner = registry.partner('north-coast-trust');
const ctx = {
  profiles,
  partner,
  trustFhir: trustFhir({ credentials: trustCredentials(secretReader({}), () => Date.now()) }),
};
const at = new Date('2026-11-23T10:00:00Z');

// A pool of distinct messages, made before timing (making them is not what is measured).
const POOL = 2000;
const next = admissions(0);
const bodies = Array.from({ length: POOL }, () => JSON.parse(next()));
const events = [];
for (const body of bodies.slice(0, 200)) {
  const checked = await checkMessage(body, ctx);
  if (checked.kind !== 'valid') throw new Error(`fixture invalid: ${JSON.stringify(checked.issues)}`);
  events.push(parseEvent(checked.message, { partner, profiles, receivedAt: at.toISOString() }));
}
const permits = [];
for (const event of events) {
  for (const recipient of candidates(event, registry)) {
    const decision = decideFor(registry, event, recipient, at);
    if (decision.outcome === 'permit') permits.push({ event, sender: partner, recipient, decision });
  }
}
if (permits.length === 0) throw new Error('no permitted decision to map');
const dir = mkdtempSync(join(tmpdir(), 'homeward-bench-components-'));
const keys = await loadKeyRing(dir, { generateIfMissing: true });
const payload = JSON.stringify(buildDataset(permits[0]));

const results = [
  await measure('checkMessage (9 entries)', async (i) => {
    const r = await checkMessage(bodies[i % POOL], ctx);
    if (r.kind !== 'valid') throw new Error('invalid');
  }),
  await measure('parseEvent', async (i) => {
    const r = await checkMessage(bodies[i % 200], ctx);
    parseEvent(r.message, { partner, profiles, receivedAt: at.toISOString() });
  }),
  await measure('decide (every candidate recipient)', (i) => {
    const event = events[i % events.length];
    for (const recipient of candidates(event, registry)) decideFor(registry, event, recipient, at);
  }),
  await measure('buildDataset (one permitted referral)', (i) => {
    buildDataset(permits[i % permits.length]);
  }),
  await measure(`signWebhook v1 + v1a (${payload.length} B body)`, (i) =>
    signWebhook({
      id: `msg_${i}`,
      at,
      body: payload,
      schemes: ['v1', 'v1a'],
      hmacSecret: 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC1iZW5jaC0xMjM0',
      ed25519: { kid: keys.active.kid, privateKey: keys.active.privateKey },
    }),
  ),
];
rmSync(dir, { recursive: true, force: true });
// parseEvent is measured together with the checkMessage it needs: subtract for its own cost.
console.table(results);
writeResult('components', {
  durationMs: DURATION_MS,
  note: 'parseEvent row includes a checkMessage call',
  results,
});
