/** The real app for the intake tests: deterministic UUIDs, a public URL like production's, helpers. */
import type { Express } from 'express';
import request from 'supertest';
import { parseSettings } from '../../src/config/settings.js';
import type { Deps } from '../../src/deps.js';
import type { Ids } from '../../src/ids.js';
import { tempDir, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { senderOf } from '../ingest/fixtures.js';

export const PROCESS_MESSAGE = '/fhir/$process-message';

/** 00000000-0000-4000-8000-000000000001, ...: UUIDs, so response fullUrls are real urn:uuid values. */
export function uuidSequence(): Ids {
  let n = 0;
  return { next: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
}

export async function intakeApp(overrides: Partial<Deps> = {}, env: Record<string, string> = {}) {
  const settings = parseSettings({
    DATABASE_URL: 'sqlite::memory:',
    KEYS_DIR: tempDir('homeward-keys-'),
    PORT: '0',
    PUBLIC_URL: 'https://homeward.example',
    ...env,
  });
  return testApp({ settings, ids: uuidSequence(), ...overrides });
}

export interface PostOptions {
  partner?: string;
  requestId?: string;
  correlationId?: string;
  contentType?: string;
}

/** POST a body (object or raw text) to $process-message as `partner` (default: the fixture's sender). */
export async function post(app: Express, deps: Deps, body: unknown, o: PostOptions = {}) {
  const partner =
    o.partner ??
    (typeof body === 'object' && body !== null
      ? senderOf(body as Record<string, unknown>)
      : 'north-coast-trust');
  let req = request(app)
    .post(PROCESS_MESSAGE)
    .set('authorization', await bearer(deps, partner))
    .set('content-type', o.contentType ?? 'application/fhir+json');
  if (o.requestId) req = req.set('x-request-id', o.requestId);
  if (o.correlationId) req = req.set('x-correlation-id', o.correlationId);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function storedEvents(deps: Deps) {
  return deps.store.db.selectFrom('events').selectAll().orderBy('received_at').execute();
}

export async function auditEntries(deps: Deps, action?: string) {
  let q = deps.store.db.selectFrom('audit').selectAll().orderBy('seq');
  if (action) q = q.where('action', '=', action);
  return q.execute();
}
