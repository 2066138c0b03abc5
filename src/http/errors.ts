/**
 * The one error handler (conventions 4), and the one error format per kind of caller:
 * - FHIR routes (`/fhir/...`, `/consent/...`): an OperationOutcome, as FHIR clients expect;
 * - the OAuth token endpoint: RFC 6749 section 5.2 `{ error, error_description }` (auth/token.ts),
 *   because OAuth client libraries read nothing else;
 * - every other route (provider API, audit, admin): RFC 9457 problem details built from the same
 *   OperationOutcome, with every issue in an `issues` extension (`code`, `expression`, `diagnostics`)
 *   so a body checked whole reports all its problems at once.
 * Detail is hidden on 5xx; the request id is stamped on every answer.
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

/** The OAuth token endpoint: its callers are OAuth client libraries (RFC 6749 section 5.2 errors). */
export function isOAuthRoute(path: string): boolean {
  return path === '/oauth/token';
}

/** RFC 6749 section 5.2 error of an answer the handler gives before the token logic runs. */
function oauthErrorOf(err: OutcomeError) {
  const error =
    err.status === 401 ? 'invalid_client' : err.status >= 500 ? 'server_error' : 'invalid_request';
  return { error, error_description: err.outcome.issue[0]?.diagnostics ?? `HTTP ${err.status}` };
}

export function send(req: Request, res: Response, err: OutcomeError): void {
  const requestId = String(req.id ?? '');
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.status(err.status);
  if (isOAuthRoute(req.path)) {
    res.setHeader('cache-control', 'no-store');
    res.type('application/json').send(JSON.stringify(oauthErrorOf(err)));
    return;
  }
  if (isFhirRoute(req.path)) {
    const body: OperationOutcome = {
      ...err.outcome,
      // The request id travels in the outcome too, so a trust can quote it to support.
      ...(requestId ? { id: requestId } : {}),
    };
    res.type('application/fhir+json').send(JSON.stringify(body));
    return;
  }
  res.type('application/problem+json').send(JSON.stringify(problemOf(err, requestId)));
}

/** RFC 9457 problem details of an OutcomeError: the first issue as `detail`, all of them in `issues`. */
export function problemOf(err: OutcomeError, requestId: string) {
  const all = err.outcome.issue;
  const first = all[0];
  const issues = all.map((i) => ({
    code: i.code,
    ...(i.expression?.[0] ? { expression: i.expression[0] } : {}),
    diagnostics: i.diagnostics ?? '',
  }));
  return {
    type: 'about:blank',
    title: first?.code ?? 'error',
    status: err.status,
    detail:
      all.length > 1
        ? `${all.length} problems in the request; the first: ${first?.diagnostics ?? ''}`
        : (first?.diagnostics ?? ''),
    ...(first?.expression ? { expression: first.expression } : {}),
    issues,
    requestId,
  };
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
