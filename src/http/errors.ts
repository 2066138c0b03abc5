/**
 * The one error handler (conventions 4): OperationOutcome for FHIR routes, a small RFC 9457
 * problem body elsewhere; detail hidden on 5xx; the request id stamped on every answer.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import type { Logger } from 'pino';
import {
  badRequest,
  internalError,
  notFound,
  OutcomeError,
  payloadTooLarge,
  serviceUnavailable,
  unsupportedMediaType,
} from '../fhir/outcome.js';
import { isStoreUnavailable, STORE_RETRY_AFTER_S } from '../store/unavailable.js';

/** Routes whose callers speak FHIR and expect OperationOutcome. */
export function isFhirRoute(path: string): boolean {
  return path === '/fhir' || path.startsWith('/fhir/') || path.startsWith('/consent/');
}

/** body-parser and http-errors carry `type`/`status`; map the ones caused by the client. */
function fromParserError(err: unknown): OutcomeError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: unknown; status?: unknown; limit?: unknown; charset?: unknown };
  switch (e.type) {
    case 'entity.parse.failed':
      return badRequest('Request body is not valid JSON');
    case 'entity.too.large':
      return payloadTooLarge(
        `Request body is larger than the ${String(e.limit ?? '')} byte limit`.replace('  ', ' '),
      );
    case 'charset.unsupported':
      return unsupportedMediaType(`Unsupported charset "${String(e.charset ?? '')}"; use utf-8`);
    case 'encoding.unsupported':
      return unsupportedMediaType('Unsupported content encoding; send the body uncompressed');
    case 'request.aborted':
      return badRequest('Request body was not received completely');
    case 'request.size.invalid':
      return badRequest('Request body length does not match Content-Length');
    case 'parameters.too.many':
      return payloadTooLarge('Too many form parameters');
    default:
      break;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new OutcomeError(e.status, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Bad request' }],
    });
  }
  return undefined;
}

export function send(req: Request, res: Response, err: OutcomeError): void {
  const requestId = String(req.id ?? '');
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.status(err.status);
  if (isFhirRoute(req.path)) {
    const body: OperationOutcome = {
      ...err.outcome,
      // The request id travels in the outcome too, so a trust can quote it to support.
      ...(requestId ? { id: requestId } : {}),
    };
    res.type('application/fhir+json').send(JSON.stringify(body));
    return;
  }
  const first = err.outcome.issue[0];
  res.type('application/problem+json').send(
    JSON.stringify({
      type: 'about:blank',
      title: first?.code ?? 'error',
      status: err.status,
      detail: first?.diagnostics ?? '',
      ...(first?.expression ? { expression: first.expression } : {}),
      requestId,
    }),
  );
}

export const notFoundHandler: RequestHandler = (req, res) => {
  send(req, res, notFound(`No route for ${req.method} ${req.path.length > 200 ? 'that path' : req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof OutcomeError ? err : fromParserError(err);
    if (known) {
      send(req, res, known);
      return;
    }
    if (isStoreUnavailable(err)) {
      // Not a bug: the database was busy or out of reach, and the request's transaction did not
      // commit. The caller retries (intake recognises a message it already stored).
      (req.log ?? logger).warn({ err }, 'database busy or unreachable: answered 503');
      send(
        req,
        res,
        serviceUnavailable(
          'The gateway could not complete this request: its database is busy or unreachable. Send the same request again later (a message already stored is recognised, never stored twice).',
          STORE_RETRY_AFTER_S,
        ),
      );
      return;
    }
    // A 5xx is a bug: log it (never the body) and hide the detail from the caller.
    (req.log ?? logger).error({ err }, 'unhandled error');
    send(req, res, internalError());
  };
}
