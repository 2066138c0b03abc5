/**
 * FHIR export: a Bundle of type `collection` holding one AuditEvent per entry (audit-event.ts),
 * written as a stream of JSON text so a million entries never sit in memory at once.
 */
import type { AuditTable } from '../store/schema.js';
import { type AuditEventContext, toAuditEvent } from './audit-event.js';

const CHUNK_CHARS = 64 * 1024;

export async function* auditBundle(
  rows: AsyncIterable<AuditTable>,
  ctx: AuditEventContext & { now: Date },
): AsyncGenerator<string> {
  // FHIR JSON has no empty arrays: `entry` opens with the first entry, and is absent without one.
  let chunk = `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(ctx.now.toISOString())}`;
  let first = true;
  for await (const row of rows) {
    chunk += `${first ? ',"entry":[' : ','}${JSON.stringify({ resource: toAuditEvent(row, ctx) })}`;
    first = false;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${first ? '' : ']'}}`;
}
