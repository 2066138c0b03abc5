import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { looksLikeNhsNumber } from '../audit/audit-log.js';

/** Inbound ids are accepted only when well-formed (conventions 7): no log injection, bounded size. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && WELL_FORMED.test(v) ? v : undefined;
}

/** The request id: a well-formed inbound X-Request-Id, else X-Correlation-Id, else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  return header(req, 'x-request-id') ?? header(req, 'x-correlation-id') ?? randomUUID();
}

/** The inbound correlation id, echoed back when well-formed (BaRS). */
export function correlationIdOf(req: IncomingMessage): string | undefined {
  return header(req, 'x-correlation-id');
}

/**
 * The correlation id a message travels with end to end (issue 17 item 9): the inbound
 * X-Correlation-Id when well-formed, else the request id (so the gateway's log lines and the
 * correlation id agree). It is stored with the event and lands in audit entries, so an id that
 * could be an NHS number is never taken: a fresh UUID is given instead.
 */
export function correlationIdFor(req: IncomingMessage & { id?: unknown }): string {
  const chosen = correlationIdOf(req) ?? (typeof req.id === 'string' ? req.id : undefined);
  return chosen && !looksLikeNhsNumber(chosen) ? chosen : randomUUID();
}
