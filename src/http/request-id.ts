import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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
