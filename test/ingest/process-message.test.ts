/**
 * The intake stage function in-process: the race the UNIQUE index settles, and what is (not)
 * stored for each outcome. HTTP behaviour is in test/integration/intake*.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { OutcomeError } from '../../src/fhir/outcome.js';
import { processMessage } from '../../src/ingest/process-message.js';
import { testDeps } from '../helpers/test-app.js';
import { patch, request } from './fixtures.js';

describe('processMessage', () => {
  it('lets the unique index settle 100 racing copies: one stored, 99 replays of it', async () => {
    const deps = await testDeps();
    // All 100 pass the read-only fast path before any of them inserts (one SQLite connection,
    // queries queued in order), so 99 of them meet the unique violation and compare hashes.
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        processMessage(deps, { body: request('discharge'), partnerId: 'north-coast-trust' }),
      ),
    );
    expect(results.filter((r) => r.kind === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'replayed')).toHaveLength(99);
    expect(new Set(results.map((r) => r.response)).size).toBe(1);
    expect(await deps.store.db.selectFrom('events').select('id').execute()).toHaveLength(1);
  });

  it('settles racing copies with different content as one stored and the others 409', async () => {
    const deps = await testDeps();
    const bodies = [
      request('discharge'),
      patch(request('discharge'), 'entry.2.resource.period.end', '2026-11-23T10:30:00Z'),
    ];
    const settled = await Promise.allSettled(
      bodies.map((body) => processMessage(deps, { body, partnerId: 'north-coast-trust' })),
    );
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { kind: 'accepted' } });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: expect.any(OutcomeError) });
    expect((settled[1] as PromiseRejectedResult).reason.status).toBe(409);
  });

  it('hands the parsed event on with its stored id', async () => {
    const deps = await testDeps();
    const r = await processMessage(deps, { body: request('referral-request'), partnerId: 'riverside-trust' });
    expect(r.kind).toBe('accepted');
    if (r.kind !== 'accepted') return;
    const [row] = await deps.store.db.selectFrom('events').selectAll().execute();
    expect(row?.id).toBe(r.eventId);
    expect(r.event).toMatchObject({ event: 'referral-request', serviceRequest: { performerOds: ['LTB01'] } });
  });
});
