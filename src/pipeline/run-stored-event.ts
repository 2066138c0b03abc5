/**
 * The hand-off from intake to the pipeline: `processMessage` (ingest/process-message.ts) calls
 * `runStoredEvent` by name in the event's transaction, right after the event and its `received`
 * audit entry are written; it decides, refers and queues, and returns the Tasks the response
 * message carries. Everything commits with the event, or not at all.
 */
import type { BundleEntry } from 'fhir/r4.js';
import type { ParsedEvent } from '../ingest/types.js';
import { responseTasks } from '../referral/trust-tasks.js';
import type { Tx } from '../store/index.js';
import { type PipelineDeps, processEvent } from './process-event.js';

/** A stored event as intake hands it over. */
export interface StoredEvent {
  eventId: string;
  event: ParsedEvent;
  at: Date;
  requestId?: string;
  correlationId?: string;
}

export async function runStoredEvent(
  deps: PipelineDeps,
  tx: Tx,
  stored: StoredEvent,
): Promise<BundleEntry[]> {
  const outcomes = await processEvent(deps, tx, stored);
  const event = {
    message_id: stored.event.messageId,
    sender: stored.event.sender.partnerId,
    correlation_id: stored.correlationId ?? null,
  };
  return responseTasks(tx, deps.registry, event, outcomes, stored.at);
}
