import type { Express } from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/types.js';
import { fixedClock } from '../../src/clock.js';
import { OTHER_PATIENT_NHS, PATIENT, registry, seedDay } from '../audit/helpers.js';
import { registryWith } from '../helpers/registry.js';
import { TEST_NOW, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

type Deps = Awaited<ReturnType<typeof testApp>>['deps'];
let app: Express;
let deps: Deps;
let auth: string;
let visibleSeqs: number[];

// An auditor with no auditOf: it may see gateway-level entries and nothing else.
const solo = { ...(registry.partner('ig-audit-north') as NonNullable<ReturnType<typeof registry.partner>>) };
solo.id = 'ig-audit-solo';
solo.odsCode = 'IGS01';
delete solo.auditOf;

beforeEach(async () => {
  ({ app, deps } = await testApp({ clock: fixedClock(TEST_NOW), registry: registryWith(registry, [solo]) }));
  ({ visibleSeqs } = await seedDay({ ...deps, clock: deps.clock as ReturnType<typeof fixedClock> }));
  auth = await bearer(deps, 'ig-audit-north');
});

const events = (query: Record<string, string> = {}, as = auth) =>
  request(app).get('/audit/events').query(query).set('authorization', as);
const seqsOf = (body: { entries: AuditEntry[] }) => body.entries.map((e) => e.seq);

describe('GET /audit/events', () => {
  it('needs a token with audit.read', async () => {
    expect((await request(app).get('/audit/events')).status).toBe(401);
    const trust = await bearer(deps, 'north-coast-trust');
    expect((await events({}, trust)).status).toBe(403);
  });

  it('lists only entries of the partners the auditor audits, oldest first, decoded', async () => {
    const res = await events();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(seqsOf(res.body)).toEqual(visibleSeqs);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.entries[1]).toMatchObject({
      seq: 2,
      action: 'disclosed',
      actor: 'north-coast-trust',
      recipient: 'homegroup-discharge',
      agreement: {
        id: 'dsa-north-coast-homestead-discharge',
        version: 2,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      consents: [{ reference: 'Consent/consent-1', versionId: '2' }],
      fields: ['name', 'contactDetails', 'nhsNumber', 'ward'],
      subject: deps.audit.subjectHash(PATIENT.nhsNumber),
      payloadSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      at: '2026-11-23T10:02:00.000Z',
    });
  });

  it('an auditor without auditOf sees gateway-level entries only', async () => {
    const res = await events({}, await bearer(deps, 'ig-audit-solo'));
    expect(res.body.entries.map((e: AuditEntry) => e.action)).toEqual(['registry-loaded']);
  });

  it('filters by subject (an NHS number, hashed at query time), recipient, agreement, action, referral, period', async () => {
    expect(seqsOf((await events({ subject: PATIENT.spaced })).body)).toEqual([2, 3, 5]);
    expect(seqsOf((await events({ subject: OTHER_PATIENT_NHS })).body)).toEqual([4]);
    expect(seqsOf((await events({ recipient: 'wearmouth-council' })).body)).toEqual([5]);
    expect(seqsOf((await events({ agreement: 'dsa-riverside-tynebridge-dtr' })).body)).toEqual([3]);
    expect(seqsOf((await events({ action: 'disclosed', subject: PATIENT.nhsNumber })).body)).toEqual([2, 5]);
    expect(seqsOf((await events({ referral: 'ref-3' })).body)).toEqual([4]);
    expect(seqsOf((await events({ from: '2026-11-23T10:02:00Z', to: '2026-11-23T10:04:00Z' })).body)).toEqual(
      [2, 3],
    );
  });

  it('pages with an opaque cursor', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await events({ limit: '2', ...(cursor ? { cursor } : {}) });
      expect(res.body.entries.length).toBeLessThanOrEqual(2);
      seen.push(...seqsOf(res.body));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(visibleSeqs);
    expect(pages).toBe(3);
  });

  it('answers bad parameters with a 400 problem naming the parameter', async () => {
    for (const [query, expression] of [
      [{ from: 'last tuesday' }, 'from'],
      [{ subject: '9434765918' }, 'subject'],
      [{ limit: '1000' }, 'limit'],
      [{ cursor: 'xyz' }, 'cursor'],
      [{ recipeint: 'x' }, 'recipeint'],
    ] as const) {
      const res = await events(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({
        status: 400,
        expression: [expression],
        requestId: res.headers['x-request-id'],
      });
    }
  });

  it('is itself audited: who read, with which filter (the subject only as its HMAC), under which request id', async () => {
    const res = await events({ subject: PATIENT.spaced, action: 'disclosed' }).set(
      'x-request-id',
      'ig-case-42',
    );
    expect(res.status).toBe(200);
    const read = await deps.store.db
      .selectFrom('audit')
      .selectAll()
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(read).toMatchObject({
      action: 'audit-read',
      actor: 'ig-audit-north',
      request_id: 'ig-case-42',
      subject_hmac: null,
    });
    expect(JSON.parse(read.detail ?? '')).toEqual({
      operation: 'events',
      filter: { action: 'disclosed', subjectHmac: deps.audit.subjectHash(PATIENT.nhsNumber) },
    });
    // A refused query reads nothing, so it records nothing.
    const before = await deps.store.db.selectFrom('audit').select('seq').execute();
    await events({ from: 'nope' });
    expect(await deps.store.db.selectFrom('audit').select('seq').execute()).toHaveLength(before.length);
  });
});
