/**
 * Request logging: one line per request with the request id, method, route template and
 * status. Never the URL (query strings can hold an NHS number), never headers, never bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestIdFor } from './request-id.js';

/** `/fhir/Task/:id`, not `/fhir/Task/123`: the template, never the concrete URL. */
export function routeTemplate(req: IncomingMessage): string {
  const r = req as Partial<Request>;
  const path = r.route?.path;
  return typeof path === 'string' ? `${r.baseUrl ?? ''}${path}` : '(unmatched)';
}

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFor(req);
      res.setHeader('x-request-id', id);
      return id;
    },
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    // pino-http asks at the start too (for req.log), before routing: the route would be logged
    // twice, "(unmatched)" then the template, as duplicate JSON keys. Only the answered request
    // knows its route.
    customProps: (req: IncomingMessage, res: ServerResponse) =>
      res.headersSent ? { route: routeTemplate(req) } : {},
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
  });
}
