/**
 * Idempotency (issue 4 item 6, BaRS semantics): key = sender + MessageHeader.id, enforced by the
 * UNIQUE index on events(sender, message_id). A replay answers the stored response and creates
 * nothing; the same id with other content answers 409 duplicate, audited as rejected.
 */
import { describe, expect, it } from 'vitest';
import { r4Errors } from '../fhir/r4-validator.js';
import { request as fixture, patch } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, post, storedEvents } from './intake-helpers.js';

describe('replays', () => {
  it('answers a replay with the stored response and stores nothing new', async () => {
    const { app, deps } = await intakeApp();
    const first = await post(app, deps, fixture('admission'), { requestId: 'first' });
    // Same content, other key order and whitespace: the canonical hash is the same.
    const reordered = Object.fromEntries(Object.entries(fixture('admission')).reverse());
    const again = await post(app, deps, JSON.stringify(reordered, null, 4), {
      partner: 'north-coast-trust',
      requestId: 'second',
    });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers['x-request-id']).toBe('second');
    expect(await storedEvents(deps)).toHaveLength(1);
    expect(await auditEntries(deps, 'received')).toHaveLength(1);
  });

  it('lets another trust use the same message id', async () => {
    const { app, deps } = await intakeApp();
    const a = fixture('referral-request');
    const b = fixture('referral-cancel');
    patch(b, 'entry.0.resource.id', 'a0d11551-0000-4000-8000-000000000001');
    patch(a, 'entry.0.resource.id', 'a0d11551-0000-4000-8000-000000000001');
    expect((await post(app, deps, fixture('admission'))).status).toBe(200);
    expect((await post(app, deps, a)).status).toBe(200);
    expect((await post(app, deps, b)).status).toBe(409);
    expect(await storedEvents(deps)).toHaveLength(2);
  });
});

describe('the same id with other content', () => {
  it('answers 409 duplicate, keeps the first event and audits the refusal', async () => {
    const { app, deps } = await intakeApp();
    await post(app, deps, fixture('admission'));
    const changed = patch(fixture('admission'), 'entry.1.resource.birthDate', '1984-03-13');
    const res = await post(app, deps, changed, { requestId: 'rewrite-1' });
    expect(res.status).toBe(409);
    expect(res.body.issue).toEqual([
      expect.objectContaining({ code: 'duplicate', expression: ['Bundle.entry[0].resource.id'] }),
    ]);
    expect(r4Errors(res.body)).toEqual([]);
    const [event] = await storedEvents(deps);
    expect(JSON.parse(String(event?.payload)).entry[1].resource.birthDate).toBe('1984-03-12');
    const [rejected] = await auditEntries(deps, 'rejected');
    expect(rejected).toMatchObject({
      actor: 'north-coast-trust',
      event_id: event?.id,
      request_id: 'rewrite-1',
    });
    expect(JSON.parse(String(rejected?.detail))).toEqual({
      reason: 'message-id-reused',
      correlationId: 'rewrite-1',
    });
  });

  it('answers 409 even when the new content is invalid (the key is checked first)', async () => {
    const { app, deps } = await intakeApp();
    await post(app, deps, fixture('admission'));
    const broken = patch(fixture('admission'), 'entry.1.resource.identifier.0.value', '9990079197');
    expect((await post(app, deps, broken)).status).toBe(409);
  });
});

describe('concurrency', () => {
  it('stores exactly one event for 100 identical messages sent at once', async () => {
    const { app, deps } = await intakeApp();
    const body = JSON.stringify(fixture('housing-need-identified'));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(app, deps, body, { partner: 'north-coast-trust', requestId: `burst-${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(await storedEvents(deps)).toHaveLength(1);
    expect(await auditEntries(deps, 'received')).toHaveLength(1);
  });
});
