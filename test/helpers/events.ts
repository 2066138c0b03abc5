import type { ParsedEvent } from '../../src/ingest/types.js';
import type { Tx } from '../../src/store/index.js';

/** Insert the events row intake would have written for `event`, so pipeline tests can run on it. */
export async function insertEvent(
  tx: Tx,
  event: ParsedEvent,
  id: string,
  at: Date,
  messageId = event.messageId,
) {
  await tx
    .insertInto('events')
    .values({
      id,
      sender: event.sender.partnerId,
      message_id: messageId,
      event_code: event.event,
      reason: event.reason,
      received_at: at.toISOString(),
      request_id: null,
      payload_sha256: 'x'.repeat(64),
      payload: '{}',
      response: null,
      status: 'validated',
      resolved: null,
    })
    .execute();
}
