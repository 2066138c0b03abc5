/**
 * Security regression suite (issue 12 item 3). Token attacks are in test/auth/token-endpoint.int.test.ts
 * ("client assertion attacks") and test/auth/bearer.int.test.ts (forged, expired, wrong-scope
 * tokens); route guards in test/integration/security.int.test.ts; SSRF in ./ssrf.test.ts.
 * Here: one partner's objects through another partner's token on every partner-scoped route;
 * security headers and no stack traces on error answers; and a scan of everything the gateway
 * said (answers, logs, /metrics) for the fixtures' NHS numbers and names and for secrets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../src/auth/keys.js';
import type { Deps } from '../../src/deps.js';
import { allRoutes } from '../../src/http/routes.js';
import { tempDir } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, PROCESS_MESSAGE, post } from '../integration/intake-helpers.js';
import { personalData } from './personal-data.js';

let app: Express;
let deps: Deps & { logs: { text(): string } };
const said: string[] = [];
const tokens = new Map<string, string>();
const keysDir = tempDir('homeward-keys-');
/** Referral id and Task id for each (sender, recipient) pair made below. */
const made: Array<{ sender: string; recipient: string; referral: string; task: string; focus: string }> = [];

beforeAll(async () => {
  const keys = await loadKeyRing(keysDir, { generateIfMissing: true });
  const built = await intakeApp({ keys }, { RATE_LIMIT_PER_MINUTE: '1000000' });
  app = built.app;
  deps = built.deps;
  for (const p of deps.registry.partners.keys()) tokens.set(p, await bearer(deps, p));
  // riverside-trust -> tynebridge-council, north-coast-trust -> homegroup-discharge.
  for (const name of [
    'referral-request',
    'admission',
    'discharge',
    'expected-discharge',
    'housing-need-identified',
  ]) {
    const message = fixture(name);
    const res = await post(app, deps, message);
    expect(res.status).toBe(200);
    const focus = String((message.entry as Array<{ resource: { id: string } }>)[0]?.resource.id);
    const tasks = (res.body.entry as Array<{ resource: { resourceType: string; id: string } }>)
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'Task');
    const referrals = await deps.store.db
      .selectFrom('referrals')
      .selectAll()
      .where('event_id', '=', String(res.body.identifier.value))
      .execute();
    // One candidate recipient per message here: its one Task is about its one referral (a
    // withheld Task has none, and nothing to leak).
    for (const [i, task] of tasks.entries()) {
      const referral = referrals[i];
      if (!referral || tasks.length !== 1) continue;
      made.push({
        sender: String(referral.sender ?? ''),
        recipient: referral.recipient,
        referral: referral.id,
        task: task.id,
        focus,
      });
    }
  }
});

function call(method: string, url: string, partner: string) {
  const agent = request(app);
  const req =
    method === 'get'
      ? agent.get(url)
      : method === 'put'
        ? agent.put(url).send({
            name: 'Jo Example',
            role: 'Link worker',
            email: 'jo@intruder.example',
            recordedBy: { name: 'Jo Example' },
          })
        : agent.post(url).send({ status: 'accepted' });
  return req.set('authorization', tokens.get(partner) ?? '');
}

/** Another partner holding the same kind of scopes as `owner`. */
function intruderOf(owner: string): string {
  const scopes = deps.registry.partner(owner)?.scopes.join() ?? '';
  const other = [...deps.registry.partners.values()].find(
    (p) => p.id !== owner && p.scopes.join() === scopes,
  );
  return other?.id ?? '';
}

describe("another partner's objects", () => {
  const scoped = () =>
    allRoutes(deps).filter((r) => ['system/Task.rs', 'referrals.read', 'referrals.write'].includes(r.scope));

  it('covers every partner-scoped route family', () => {
    expect(
      scoped()
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      'get /fhir/Task',
      'get /fhir/Task/:id',
      'get /referrals',
      'get /referrals/:id',
      'get /referrals/:id/messages',
      'post /referrals/:id/acknowledge',
      'post /referrals/:id/messages',
      'post /referrals/:id/status',
      'put /referrals/:id/worker',
    ]);
    expect(made.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 404 or an empty list on every route, never the object', async () => {
    let tried = 0;
    for (const m of made) {
      for (const r of scoped()) {
        const trustRoute = r.scope === 'system/Task.rs';
        const owner = trustRoute ? m.sender : m.recipient;
        const intruder = intruderOf(owner);
        const url = r.path
          .replace(':id', trustRoute ? m.task : m.referral)
          .concat(
            r.path === '/fhir/Task' ? `?focus=${m.focus}` : r.path === '/referrals' ? '?status=new' : '',
          );
        const res = await call(r.method, url, intruder);
        said.push(res.text);
        tried++;
        const where = `${r.method} ${url} as ${intruder}`;
        if (r.path.endsWith(':id') || r.path.includes(':id/')) expect(res.status, where).toBe(404);
        else {
          expect(res.status, where).toBe(200);
          expect(res.text, where).not.toContain(m.referral);
          expect(res.text, where).not.toContain(m.task);
        }
      }
    }
    console.log(`security: ${tried} cross-partner requests tried`);
    // Nothing changed for the real owner: still unacknowledged.
    const statuses = await deps.store.db.selectFrom('referrals').select('status').execute();
    expect(statuses.map((s) => s.status)).not.toContain('accepted');
    // And no worker was named on anyone's referral.
    const steps = await deps.store.db.selectFrom('referral_steps').select('step').execute();
    expect(steps.map((s) => s.step)).not.toContain('worker-named');
  });
});

describe('error answers', () => {
  it('carry the security headers and never a stack trace', async () => {
    const token = tokens.get('riverside-trust') ?? '';
    const answers = await Promise.all([
      request(app).get('/no/such/route'),
      request(app)
        .post(PROCESS_MESSAGE)
        .set('authorization', token)
        .set('content-type', 'application/json')
        .send('{"a":'),
      request(app)
        .post(PROCESS_MESSAGE)
        .set('authorization', token)
        .set('content-type', 'application/xml')
        .send('<a/>'),
      request(app)
        .post(PROCESS_MESSAGE)
        .set('authorization', token)
        .set('content-type', 'application/json')
        .send(`"${'x'.repeat(1_100_000)}"`),
      request(app).post(PROCESS_MESSAGE).set('authorization', 'Bearer forged.token.here'),
      request(app)
        .post(PROCESS_MESSAGE)
        .set('authorization', token)
        .set('content-type', 'application/json')
        .send('[]'),
      request(app)
        .get('/referrals/%E0%A4%A')
        .set('authorization', tokens.get('tynebridge-council') ?? ''),
      request(app)
        .post('/oauth/token')
        .type('form')
        .send('grant_type=client_credentials&client_assertion=x.y.z'),
    ]);
    for (const res of answers) {
      said.push(res.text);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.text).not.toMatch(/at .+\.(ts|js):\d+|node_modules|Error:/);
    }
  });
});

describe('what the gateway said', () => {
  it('holds no NHS number, name, bearer token, webhook secret or private key', async () => {
    const metrics = await deps.metrics.registry.metrics();
    const keyD = readdirSync(keysDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => (JSON.parse(readFileSync(join(keysDir, f), 'utf8')) as { d?: string }).d);
    expect(keyD.length).toBeGreaterThan(0);
    const text = [...said, deps.logs.text(), metrics].join('\n');
    for (const needle of [
      ...personalData(),
      ...[...tokens.values()].map((t) => t.slice(7)),
      ...keyD.map(String),
    ]) {
      expect(text.includes(needle), needle.slice(0, 12)).toBe(false);
    }
    expect(text).not.toMatch(/whsec_/);
    expect(deps.logs.text().length).toBeGreaterThan(0);
  });
});
