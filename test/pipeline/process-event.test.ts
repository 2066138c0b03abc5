import { createHash } from 'node:crypto';
import type { Consent } from 'fhir/r4.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import { sequentialIds } from '../../src/ids.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { type PipelineDeps, processEvent } from '../../src/pipeline/process-event.js';
import { openStore, type Store } from '../../src/store/index.js';
import { insertEvent } from '../helpers/events.js';
import { sampleEvent } from '../mapping/sample-event.js';

const NOW = new Date('2026-11-23T10:00:00Z');
let store: Store;
let deps: PipelineDeps;
let n = 0;

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  deps = {
    registry: loadRegistry('consent'),
    audit: createAuditLog({ clock: fixedClock(NOW), subjectKey: 'k'.repeat(40) }),
    ids: sequentialIds('p'),
    datasets: compileDatasetSchemas('profiles'),
    gatewayEndpoint: 'https://homeward.example/fhir/$process-message',
  };
});

/** Store an event row (as intake does) and run the pipeline in the same transaction. */
async function run(event: ParsedEvent, at = NOW) {
  const eventId = `e${++n}`;
  return store.transaction(async (tx) => {
    await insertEvent(tx, event, eventId, at, `${event.messageId}-${n}`);
    return processEvent(deps, tx, { eventId, event, at, requestId: `req-${n}` });
  });
}

const audit = () => store.db.selectFrom('audit').selectAll().orderBy('seq').execute();
const withdrawn = (): Consent => ({
  ...(sampleEvent().consents[0] as Consent),
  status: 'inactive',
  dateTime: '2026-11-22T09:00:00Z',
});

describe('processEvent', () => {
  it('admission with consent: one referral to the discharge service, its outbox row and a queued audit entry', async () => {
    const out = await run(sampleEvent());
    expect(out).toEqual([
      {
        recipient: 'homegroup-discharge',
        outcome: 'permit',
        decisionId: expect.any(String),
        referralId: expect.any(String),
        reasons: [],
      },
    ]);
    const referral = await store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(referral).toMatchObject({
      recipient: 'homegroup-discharge',
      type: 'discharge-support',
      status: 'queued',
      priority: 'urgent',
      version: 1,
    });
    expect(referral.due_by).toBe('2026-11-24T10:00:00.000Z'); // urgent: 24 hours
    const delivery = await store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({
      kind: 'referral',
      channel: 'webhook',
      state: 'pending',
      webhook_id: `msg_${delivery.id}`,
    });
    expect(
      createHash('sha256')
        .update(delivery.payload ?? '')
        .digest('hex'),
    ).toBe(delivery.payload_sha256);
    const body = JSON.parse(delivery.payload ?? '{}');
    expect(body).toMatchObject({
      type: 'referral.created',
      data: { referralId: referral.id, datasetVersion: 'discharge-support/1' },
    });
    const entries = await audit();
    const queued = entries.find((e) => e.action === 'queued');
    expect(queued).toMatchObject({
      actor: 'north-coast-trust',
      recipient: 'homegroup-discharge',
      referral_id: referral.id,
      agreement_id: 'dsa-north-coast-homestead-discharge',
      agreement_version: '2',
      payload_sha256: delivery.payload_sha256,
      request_id: expect.stringMatching(/^req-/),
    });
    expect(JSON.parse(queued?.fields ?? '[]')).toEqual(JSON.parse(referral.dataset_fields));
    expect(JSON.stringify(entries)).not.toContain('9434765919');
  });

  it('admission without consent: a withheld decision with its reason, audited, and no referral', async () => {
    const out = await run(sampleEvent({ consents: [] }));
    expect(out).toMatchObject([
      { recipient: 'homegroup-discharge', outcome: 'withhold', reasons: [{ code: 'consent-missing' }] },
    ]);
    expect(await store.db.selectFrom('referrals').selectAll().execute()).toEqual([]);
    const withheld = (await audit()).find((e) => e.action === 'withheld');
    expect(withheld).toMatchObject({
      recipient: 'homegroup-discharge',
      agreement_id: 'dsa-north-coast-homestead-discharge',
    });
    expect(JSON.parse(withheld?.detail ?? '{}')).toEqual({
      reasons: [{ code: 'consent-missing', agreement: 'dsa-north-coast-homestead-discharge' }],
    });
    const decision = await store.db.selectFrom('decisions').selectAll().executeTakeFirstOrThrow();
    expect(decision).toMatchObject({ outcome: 'withhold', recipient: 'homegroup-discharge' });
  });

  it('expected-discharge for the same stay updates the same referral', async () => {
    const [first] = await run(sampleEvent());
    const [second] = await run(sampleEvent({ event: 'expected-discharge', reason: 'update' }));
    expect(second?.referralId).toBe(first?.referralId);
    const referral = await store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(referral.version).toBe(2);
    const kinds = (
      await store.db.selectFrom('deliveries').select('kind').orderBy('created_at').execute()
    ).map((d) => d.kind);
    expect(kinds.sort()).toEqual(['referral', 'update']);
  });

  it('referral-cancel before sending cancels the unsent message and sends no notice', async () => {
    await run(sampleEvent());
    const out = await run(sampleEvent({ event: 'referral-cancel', reason: 'delete' }));
    expect(out).toMatchObject([{ recipient: 'homegroup-discharge', outcome: 'cancelled' }]);
    const deliveries = await store.db.selectFrom('deliveries').selectAll().execute();
    expect(deliveries.map((d) => d.state)).toEqual(['cancelled']);
    expect((await audit()).map((e) => e.action)).toContain('cancelled');
  });

  it('consent withdrawn after delivery: the referral is cancelled and a notice holding only its id is queued', async () => {
    const [made] = await run(sampleEvent());
    await store.db.updateTable('deliveries').set({ state: 'delivered' }).execute();
    const out = await run(
      sampleEvent({ event: 'consent-updated', reason: 'update', consents: [withdrawn()] }),
    );
    expect(out).toMatchObject([
      { outcome: 'cancelled', referralId: made?.referralId, reasons: [{ code: 'consent-withdrawn' }] },
    ]);
    const notice = await store.db
      .selectFrom('deliveries')
      .selectAll()
      .where('kind', '=', 'consent-withdrawn')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(notice.payload ?? '{}').data).toEqual({ referralId: made?.referralId });
    expect((await audit()).map((e) => e.action)).toEqual(
      expect.arrayContaining(['consent-withdrawn', 'cancelled']),
    );
  });

  it('a referral request naming an authority goes to that authority only (Duty to Refer)', async () => {
    const base = sampleEvent();
    const event = sampleEvent({
      event: 'referral-request',
      serviceRequest: {
        ...(base.serviceRequest as NonNullable<ParsedEvent['serviceRequest']>),
        performerOds: ['LWM02'],
      },
      consents: [base.consents[0] as Consent],
    });
    const out = await run(event);
    expect(out.map((o) => [o.recipient, o.outcome])).toEqual([['wearmouth-council', 'permit']]);
    const delivery = await store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(delivery.channel).toBe('pull');
    const dataset = JSON.parse(
      (await store.db.selectFrom('referrals').select('dataset').executeTakeFirstOrThrow()).dataset ?? '{}',
    );
    expect(dataset.chosenAuthority).toEqual({
      odsCode: 'LWM02',
      name: expect.any(String),
      chosenByPerson: true,
    });
    expect(dataset).not.toHaveProperty('nhsNumber');
  });
});
