/**
 * The hand-off from intake to the pipeline (wired once in deps.ts): run in the event's
 * transaction, return the Tasks the response message carries.
 */
import type { AfterStored } from '../ingest/process-message.js';
import { responseTasks } from '../referral/trust-tasks.js';
import { type PipelineDeps, processEvent } from './process-event.js';

export function pipelineAfterStored(deps: PipelineDeps): AfterStored {
  return async (tx, stored) => {
    const outcomes = await processEvent(deps, tx, stored);
    const event = {
      message_id: stored.event.messageId,
      sender: stored.event.sender.partnerId,
      correlation_id: stored.correlationId ?? null,
    };
    return responseTasks(tx, deps.registry, event, outcomes, stored.at);
  };
}
