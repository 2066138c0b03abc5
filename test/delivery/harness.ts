/**
 * Producing referrals and delivering them without HTTP intake: events go through the real
 * pipeline (processEvent in a transaction, as test/pipeline does) into a real SQLite store, and
 * the real worker delivers them. The clock starts at the real time so that recipients' timestamp
 * checks (Standard Webhooks: five minutes) hold; the sample agreements are made open-ended so the
 * tests do not expire with them.
 */
import { randomBytes } from 'node:crypto';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { type KeyRing, loadKeyRing } from '../../src/auth/keys.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Agreement, Partner, Registry } from '../../src/config/registry-types.js';
import { type DeliveryTuning, parseSettings } from '../../src/config/settings.js';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { secretReader } from '../../src/fhir/trust-credentials.js';
import { sequentialIds } from '../../src/ids.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import type { Lookup } from '../../src/net/address-policy.js';
import { type PipelineDeps, processEvent } from '../../src/pipeline/process-event.js';
import { openStore, type Store } from '../../src/store/index.js';
import { capturedLogger } from '../helpers/log-capture.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { sampleEvent } from '../mapping/sample-event.js';

export const SECRET_ENV = 'TEST_WEBHOOK_SECRET';
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The newest version of each agreement, in force from 2000 with no end. */
export function openEnded(base: Registry, change: (a: Agreement) => Agreement = (a) => a): Registry {
  const latest = new Map<string, Agreement>();
  for (const a of base.agreements) latest.set(a.id, a);
  const agreements = [...latest.values()].map((a) => change({ ...a, effective: { from: '2000-01-01' } }));
  return { ...base, agreements, versions: (id) => agreements.filter((a) => a.id === id) };
}

/** The registry with `partner` replaced (same map semantics as test/helpers/registry.ts). */
export function withPartner(base: Registry, ...replaced: Partner[]): Registry {
  const partners = new Map(base.partners);
  for (const p of replaced) partners.set(p.id, p);
  return {
    ...base,
    partners,
    partner: (id) => partners.get(id),
    partnerByOds: (ods) => [...partners.values()].find((p) => p.odsCode === ods),
  };
}

/** homegroup-discharge delivering to `url`, signing v1 and v1a (and encrypting to `encryptionJwk`). */
export function webhookRecipient(
  registry: Registry,
  url: string,
  extra: Partial<Extract<Partner['delivery'], { mode: 'webhook' }>> = {},
): Partner {
  const base = registry.partner('homegroup-discharge') as Partner;
  return {
    ...base,
    delivery: {
      mode: 'webhook',
      url,
      secretRef: `env:${SECRET_ENV}`,
      signatures: ['v1', 'v1a'],
      format: 'dataset',
      ...extra,
    },
  };
}

export const TEST_TUNING: DeliveryTuning = {
  ...parseSettings({}).delivery,
  timeoutMs: 2_000,
  leaseMs: 5_000,
  allowInsecureLocalWebhooks: true,
};

export interface Harness {
  store: Store;
  clock: ReturnType<typeof fixedClock>;
  registry: Registry;
  keys: KeyRing;
  secret: string;
  pipeline: PipelineDeps;
  logs: ReturnType<typeof capturedLogger>;
  /** Run one event through the pipeline at the clock's time; returns its outcomes. */
  refer(over?: Partial<ParsedEvent>): ReturnType<typeof processEvent>;
  worker(o?: {
    tuning?: Partial<DeliveryTuning>;
    random?: () => number;
    owner?: string;
    registry?: Registry;
    lookup?: Lookup;
  }): DeliveryWorker;
  audit(action?: string): Promise<Array<Record<string, unknown> & { action: string; detail: string | null }>>;
}

let n = 0;

export type WebhookSettings = { url: string } & Partial<Extract<Partner['delivery'], { mode: 'webhook' }>>;

export const testKeys = () => loadKeyRing(tempDir('homeward-keys-'), { generateIfMissing: true });

export async function harness(
  o: {
    store?: Store;
    keys?: KeyRing;
    secret?: string;
    /** homegroup-discharge's webhook (see webhookRecipient). */
    webhook?: WebhookSettings;
    /** Further changes to the (open-ended sample) registry. */
    registry?: (r: Registry) => Registry;
  } = {},
): Promise<Harness> {
  const store = o.store ?? (await openStore('sqlite::memory:'));
  const clock = fixedClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const sample = openEnded(loadRegistry('consent'));
  const { url, ...extra } = o.webhook ?? { url: '' };
  const withWebhook = o.webhook ? withPartner(sample, webhookRecipient(sample, url, extra)) : sample;
  const registry = o.registry ? o.registry(withWebhook) : withWebhook;
  const keys = o.keys ?? (await testKeys());
  const audit = createAuditLog({ clock, subjectKey: TEST_SUBJECT_KEY });
  const ids = sequentialIds(`h${++n}`);
  const secret = o.secret ?? newSecret();
  const logs = capturedLogger();
  const pipeline: PipelineDeps = { registry, audit, ids, datasets: compileDatasetSchemas('profiles') };
  let events = 0;
  return {
    store,
    clock,
    registry,
    keys,
    secret,
    pipeline,
    logs,
    refer: (over = {}) => {
      const event = sampleEvent(over);
      const eventId = `${ids.next()}-event-${++events}`;
      const at = clock.now();
      return store.transaction(async (tx) => {
        await tx
          .insertInto('events')
          .values({
            id: eventId,
            sender: event.sender.partnerId,
            message_id: `${event.messageId}-${eventId}`,
            event_code: event.event,
            reason: event.reason,
            received_at: at.toISOString(),
            request_id: null,
            payload_sha256: 'x',
            payload: '{}',
            response: null,
            status: 'validated',
            resolved: null,
          })
          .execute();
        return processEvent({ ...pipeline, registry }, tx, {
          eventId,
          event,
          at,
          requestId: `req-${eventId}`,
        });
      });
    },
    worker: (w = {}) =>
      createDeliveryWorker(
        { store, audit, registry: w.registry ?? registry, keys, clock, ids },
        {
          tuning: { ...TEST_TUNING, ...w.tuning },
          secrets: secretReader({ [SECRET_ENV]: secret }),
          random: w.random ?? (() => 0),
          logger: logs.logger,
          ...(w.owner ? { owner: w.owner } : {}),
          ...(w.lookup ? { lookup: w.lookup } : {}),
        },
      ),
    audit: async (action) => {
      let q = store.db.selectFrom('audit').selectAll().orderBy('seq');
      if (action) q = q.where('action', '=', action);
      return q.execute();
    },
  };
}

/** The same stay again, or another stay (another episode, so another referral). */
export function stay(value: string): Partial<ParsedEvent> {
  const base = sampleEvent();
  const encounter = base.encounter as NonNullable<ParsedEvent['encounter']>;
  return { encounter: { ...encounter, identifier: { system: 'https://trust.example/encounters', value } } };
}

/** A Duty to Refer request naming Wearmouth (a pull-inbox authority), with explicit consent. */
export function wearmouthRequest(over: Partial<ParsedEvent> = {}): Partial<ParsedEvent> {
  const base = sampleEvent(over);
  return {
    ...over,
    event: 'referral-request',
    serviceRequest: {
      ...(base.serviceRequest as NonNullable<ParsedEvent['serviceRequest']>),
      performerOds: ['LWM02'],
    },
    consents: base.consents,
  };
}

/**
 * A Duty to Refer request naming Tynebridge (a webhook authority), with the person's explicit
 * consent to share with LTB01 for this purpose (shaped as test/fixtures/messages/referral-request).
 */
export function tynebridgeRequest(over: Partial<ParsedEvent> = {}): Partial<ParsedEvent> {
  const base = sampleEvent(over);
  return {
    ...over,
    event: 'referral-request',
    serviceRequest: {
      ...(base.serviceRequest as NonNullable<ParsedEvent['serviceRequest']>),
      performerOds: ['LTB01'],
    },
    consents: base.consents.map((c) => ({
      ...c,
      provision: {
        type: 'permit' as const,
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' },
              ],
            },
            reference: {
              identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'LTB01' },
            },
          },
        ],
        purpose: [
          { system: 'https://homeward.example/fhir/CodeSystem/agreement-purpose', code: 'duty-to-refer' },
        ],
      },
    })),
  };
}
