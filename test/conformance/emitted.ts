/**
 * Everything FHIR the gateway emits, produced by driving the real app (issue 21 item 1): each
 * example message through $process-message, the Tasks it made read and searched, the providers'
 * answers and steps as the trust's Task shows them, the FHIR-format referral (what a `format: fhir`
 * recipient is sent: here a pull inbox, whose GET /referrals/{id} answers the same body a webhook
 * would carry), the conversation as Communications, the AuditEvent export, the FHIR errors, the
 * CapabilityStatement and the conformance resources it points at.
 */
import { readdirSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner, Registry } from '../../src/config/registry-types.js';
import type { Deps } from '../../src/deps.js';
import { withPartner } from '../delivery/harness.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture, senderOf } from '../ingest/fixtures.js';
import { intakeApp, PROCESS_MESSAGE, post } from '../integration/intake-helpers.js';
import { serverReferences } from './validators.js';

export interface Emitted {
  /** Where it came from: method, route and what was sent. */
  source: string;
  resource: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const WORKER = { name: 'Jo Example', role: 'Housing options officer', email: 'jo@tynebridge.example' };
const BY = { name: 'Pat Example', role: 'Team leader' };

/** Every FHIR-format recipient: the providers pull their referrals, each as a FHIR message Bundle. */
function fhirRecipients(base: Registry): Registry {
  const ids = ['tynebridge-council', 'homegroup-discharge', 'tyne-care-and-repair', 'wearmouth-council'];
  // The trusts get status webhooks (their body holds the Task), queued only: no worker runs here.
  const trusts = ['north-coast-trust', 'riverside-trust'].map((id) => ({
    ...(base.partner(id) as Partner),
    statusWebhook: { url: `https://${id}.example/homeward-status`, secretRef: 'env:UNUSED_SECRET' },
  }));
  return withPartner(
    base,
    ...ids.map((id) => ({
      ...(base.partner(id) as Partner),
      delivery: { mode: 'pull' as const, format: 'fhir' as const },
    })),
    ...trusts,
  );
}

const SCENARIOS = readdirSync('test/fixtures/messages')
  .filter((f) => f.endsWith('-request.json'))
  .map((f) => f.replace(/-request\.json$/, ''))
  .sort();

export async function emitted(): Promise<{
  items: Emitted[];
  unresolved: string[];
  app: Express;
  deps: Deps;
}> {
  const { app, deps } = await intakeApp({ registry: fhirRecipients(loadRegistry('consent')) });
  const items: Emitted[] = [];
  const keep = (source: string, text: string) => {
    const resource = JSON.parse(text) as Json;
    items.push({ source, resource });
    return resource;
  };
  const as = async (partner: string) => ({ authorization: await bearer(deps, partner) });
  const unresolved: string[] = [];
  const get = async (path: string, partner?: string) => {
    const res = await request(app)
      .get(path)
      .set(partner ? await as(partner) : {});
    const resource = keep(`GET ${path} (${res.status})`, res.text);
    // A search result's references to the server's own resources must be readable there.
    for (const url of serverReferences(resource)) {
      const read = await request(app)
        .get(url.replace(deps.settings.publicUrl, ''))
        .set(partner ? await as(partner) : {});
      if (read.status !== 200) unresolved.push(`GET ${path}: ${url} answers ${read.status}`);
    }
    return resource;
  };

  // Conformance resources: the CapabilityStatement and everything it names.
  const metadata = await get('/fhir/metadata');
  const rest = (metadata.rest as Json[] | undefined)?.[0] as Json | undefined;
  for (const r of (rest?.resource as Json[] | undefined) ?? []) {
    if (r.type === 'CodeSystem' || r.type === 'ValueSet' || r.type === 'MessageDefinition') {
      const bundle = await get(`/fhir/${String(r.type)}`);
      for (const e of (bundle.entry as Json[] | undefined) ?? []) {
        const res = e.resource as Json;
        await get(`/fhir/${String(r.type)}/${String(res.id)}`);
      }
    }
  }

  // Every example message, as its sender posts it; the Tasks it made, read and searched.
  const tasks: Array<{ id: string; trust: string; focus: string }> = [];
  for (const scenario of SCENARIOS) {
    const body = fixture(scenario) as Json;
    const res = await post(app, deps, body);
    const bundle = keep(`POST ${PROCESS_MESSAGE} ${scenario} (${res.status})`, res.text);
    const header = ((body.entry as Json[])[0] as Json).resource as Json;
    const trust = senderOf(body);
    for (const e of (bundle.entry as Json[] | undefined) ?? []) {
      const r = e.resource as Json;
      if (r.resourceType === 'Task') tasks.push({ id: String(r.id), trust, focus: String(header.id) });
    }
  }
  // The same message again: the stored answer (idempotent replay).
  keep('POST $process-message replay', (await post(app, deps, fixture('referral-request'))).text);

  for (const t of tasks) {
    await get(`/fhir/Task/${t.id}`, t.trust);
    await get(`/fhir/Task?focus=${encodeURIComponent(t.focus)}`, t.trust);
    await get(`/fhir/Task?identifier=${encodeURIComponent(t.id)}`, t.trust);
  }

  // Providers: the FHIR-format referral (first read delivers it), then the conversation, then
  // answers, the named worker and milestones (the Task's steps).
  const referrals = await deps.store.db.selectFrom('referrals').selectAll().execute();
  const taskOf = (id: string) => tasks.find((t) => t.id === id);
  const delivered: typeof referrals = [];
  for (const r of referrals) {
    const first = await request(app)
      .get(`/referrals/${r.id}`)
      .set(await as(r.recipient));
    if (first.status !== 200) continue;
    keep(`GET /referrals/${r.id} as ${r.recipient} (format fhir)`, first.text);
    delivered.push(r);
  }
  if (delivered.length < 2) throw new Error(`only ${delivered.length} referrals delivered`);
  // The conversation: a trust's Communication, created, searched and read.
  const open = taskOf(delivered[0]?.id ?? '');
  if (open) {
    const created = await request(app)
      .post('/fhir/Communication')
      .set(await as(open.trust))
      .set('content-type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Communication',
          status: 'completed',
          basedOn: [{ reference: `Task/${open.id}` }],
          payload: [{ contentString: 'What day will they be ready to leave? (synthetic)' }],
        }),
      );
    const communication = keep(`POST /fhir/Communication (${created.status})`, created.text);
    await get(`/fhir/Communication?based-on=Task/${open.id}`, open.trust);
    await get(`/fhir/Communication/${String(communication.id)}`, open.trust);
  }

  for (const [n, r] of delivered.entries()) {
    const provider = await as(r.recipient);
    const ok = async (what: string, req: request.Test) => {
      const res = await req;
      if (res.status !== 200) throw new Error(`${what} on ${r.id}: ${res.status} ${res.text}`);
    };
    const status = (body: Json) =>
      ok(
        `status ${String(body.status)}`,
        request(app).post(`/referrals/${r.id}/status`).set(provider).send(body),
      );
    if (n === 0) {
      await status({ status: 'declined', reason: { code: 'out-of-area', text: 'Outside our district' } });
    } else {
      await status({ status: 'accepted' });
      await ok(
        'worker',
        request(app)
          .put(`/referrals/${r.id}/worker`)
          .set(provider)
          .send({ ...WORKER, recordedBy: BY }),
      );
      await status({ status: 'contacted', recordedBy: BY, note: 'Spoke to the ward (synthetic)' });
      await status({ status: 'move-date-set', date: '2026-12-01', recordedBy: BY });
      await status({ status: 'moved-in', recordedBy: BY });
      await status({ status: 'completed', outcome: 'rehoused', recordedBy: BY });
    }
    const t = taskOf(r.id);
    if (t) await get(`/fhir/Task/${t.id}`, t.trust);
  }

  // The trusts' status webhooks, as queued: each carries the Task in `data` (and a Communication
  // in `data` for a message of the conversation, when there is one).
  const pushes = await deps.store.db
    .selectFrom('deliveries')
    .select(['id', 'recipient', 'payload'])
    .where('recipient', 'in', ['north-coast-trust', 'riverside-trust'])
    .execute();
  if (pushes.length === 0) throw new Error('no status webhook queued');
  for (const p of pushes) {
    const body = JSON.parse(p.payload ?? '{}') as Json;
    items.push({
      source: `status webhook ${String(body.type)} to ${p.recipient}`,
      resource: body.data as Json,
    });
  }

  // The AuditEvent export.
  await get('/audit/export?format=fhir', 'ig-audit-north');

  // FHIR errors: OperationOutcomes.
  await get('/fhir/Task/no-such-task', 'north-coast-trust');
  await get('/fhir/Task?colour=blue', 'north-coast-trust');
  await get('/fhir/Task');
  const xml = await request(app)
    .post(PROCESS_MESSAGE)
    .set(await as('north-coast-trust'))
    .set('content-type', 'application/fhir+xml')
    .send('<Bundle xmlns="http://hl7.org/fhir"/>');
  keep(`POST ${PROCESS_MESSAGE} as XML (${xml.status})`, xml.text);
  const notJson = await request(app)
    .post(PROCESS_MESSAGE)
    .set(await as('north-coast-trust'))
    .set('content-type', 'application/fhir+json')
    .send('{"resourceType":');
  keep(`POST ${PROCESS_MESSAGE} broken JSON (${notJson.status})`, notJson.text);
  return { items, unresolved, app, deps };
}
