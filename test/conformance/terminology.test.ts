/**
 * Issue 21 item 6: every code of the gateway's own that it emits or accepts resolves at
 * GET /fhir/CodeSystem/{id} of any deployment, under one canonical url that does not depend on
 * PUBLIC_URL; the CapabilityStatement names Task read and search and a MessageDefinition per
 * accepted event, each served under /fhir/MessageDefinition.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOMEWARD_FHIR_BASE } from '../../src/fhir/homeward-base.js';
import { EVENT_CODES } from '../../src/fhir/housing-events.js';
import { request as fixture, scenarios } from '../ingest/fixtures.js';
import { intakeApp } from '../integration/intake-helpers.js';
import { type Emitted, emitted } from './emitted.js';

type Json = Record<string, unknown>;
type Coding = { system: string; code: string; where: string };

function codings(value: unknown, where: string, out: Coding[] = []): Coding[] {
  if (Array.isArray(value)) for (const v of value) codings(v, where, out);
  else if (typeof value === 'object' && value !== null) {
    const o = value as Json;
    if (typeof o.system === 'string' && typeof o.code === 'string')
      out.push({ system: o.system, code: o.code, where });
    for (const v of Object.values(o)) codings(v, where, out);
  }
  return out;
}

let items: Emitted[] = [];
beforeAll(async () => {
  ({ items } = await emitted());
}, 120_000);

describe("the gateway's own codes", () => {
  it('every code it emits or accepts is in a CodeSystem it serves', async () => {
    const { app } = await intakeApp();
    const sent = items.flatMap((i) => codings(i.resource, i.source));
    const accepted = scenarios().flatMap((s) => codings(fixture(s), `${s}-request.json`));
    const own = [...sent, ...accepted].filter((c) =>
      c.system.startsWith(`${HOMEWARD_FHIR_BASE}/CodeSystem/`),
    );
    expect(own.length).toBeGreaterThan(50);
    const missing: string[] = [];
    const systems = new Map<string, { content: string; codes: Set<string> } | undefined>();
    for (const c of own) {
      if (!systems.has(c.system)) {
        const res = await request(app).get('/fhir/CodeSystem').query({ url: c.system });
        const cs = (res.body.entry?.[0]?.resource ?? undefined) as
          | { content: string; concept?: Array<{ code: string }> }
          | undefined;
        systems.set(
          c.system,
          cs && { content: cs.content, codes: new Set((cs.concept ?? []).map((x) => x.code)) },
        );
      }
      const cs = systems.get(c.system);
      if (!cs) missing.push(`${c.where}: no CodeSystem ${c.system}`);
      else if (cs.content !== 'not-present' && !cs.codes.has(c.code))
        missing.push(`${c.where}: ${c.system}#${c.code} is not in it`);
    }
    expect([...new Set(missing)]).toEqual([]);
    // The Task's steps (issue 19 item 3) among them.
    const codes = new Set(own.map((c) => c.code));
    for (const code of ['worker-named', 'named-worker', 'move-date', 'outcome'])
      expect(codes).toContain(code);
  });

  it('has the same canonical urls at a deployment with another PUBLIC_URL, each served at its id', async () => {
    const { app } = await intakeApp({}, { PUBLIC_URL: 'https://gateway.north-coast.example' });
    for (const type of ['CodeSystem', 'ValueSet', 'MessageDefinition']) {
      const list = await request(app).get(`/fhir/${type}`).expect(200);
      const resources = (list.body.entry as Array<{ resource: { id: string; url: string } }>).map(
        (e) => e.resource,
      );
      expect(resources.length).toBeGreaterThan(type === 'MessageDefinition' ? 6 : 14);
      for (const r of resources) {
        expect(r.url).toBe(`${HOMEWARD_FHIR_BASE}/${type}/${r.id}`);
        expect((await request(app).get(`/fhir/${type}/${r.id}`).expect(200)).body).toEqual(r);
      }
      const unknown = await request(app).get(`/fhir/${type}/no-such-thing`).expect(404);
      expect(unknown.body.resourceType).toBe('OperationOutcome');
    }
  });
});

describe('the CapabilityStatement', () => {
  it('lists Task read and search with focus and identifier, and a MessageDefinition per accepted event', async () => {
    const { app } = await intakeApp({}, { PUBLIC_URL: 'https://gateway.north-coast.example' });
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body;
    const task = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Task');
    expect(task.interaction.map((i: { code: string }) => i.code).sort()).toEqual(['read', 'search-type']);
    expect(task.searchParam.map((p: { name: string }) => p.name).sort()).toEqual(['focus', 'identifier']);
    for (const type of ['CodeSystem', 'ValueSet', 'MessageDefinition'])
      expect(cs.rest[0].resource.map((r: { type: string }) => r.type)).toContain(type);
    const supported = cs.messaging[0].supportedMessage as Array<{ mode: string; definition: string }>;
    expect(supported).toHaveLength(EVENT_CODES.length);
    const events: string[] = [];
    for (const s of supported) {
      expect(s.mode).toBe('receiver');
      const found = await request(app)
        .get('/fhir/MessageDefinition')
        .query({ url: s.definition })
        .expect(200);
      expect(found.body.total).toBe(1);
      events.push(found.body.entry[0].resource.eventCoding.code);
    }
    expect(events.sort()).toEqual([...EVENT_CODES].sort());
  });
});
