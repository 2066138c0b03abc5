/**
 * Build the express app (conventions 1): never listens. main.ts and the tests call this.
 */
import express, { type Express } from 'express';
import helmet from 'helmet';
import { requireScope } from './auth/bearer.js';
import type { Deps } from './deps.js';
import { formBody, jsonBody, requireKnownMediaType } from './http/body.js';
import { requireFhirJsonAcceptable } from './http/content-negotiation.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { requestLogger } from './http/logging.js';
import { apiRateLimit } from './http/rate-limit.js';
import { requestMetrics } from './http/request-metrics.js';
import { allRoutes, type RouteSpec } from './http/routes.js';

export function createApp(deps: Deps, routes: RouteSpec[] = allRoutes(deps)): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogger(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(helmet());
  // FHIR callers that accept no JSON get 406 before anything else is read (issue 21 item 7).
  app.use(requireFhirJsonAcceptable);
  const apiLimit = apiRateLimit(deps.settings.rateLimitPerMinute);
  const body = [requireKnownMediaType, jsonBody, formBody];
  for (const route of routes) {
    // Authentication is declared per route in the route table, and applied here only. Order
    // (issue 17 item 6): request id (logger) -> who is calling (bearer token, then the
    // partner's rate limit) -> the body, read and parsed within its limits -> the handler. A
    // caller without a valid token gets its 401 before a byte of its body is parsed, and a
    // request for no route is answered 404 unread.
    const guard =
      route.scope === 'public' ? (route.beforeBody ?? []) : [requireScope(deps, route.scope), apiLimit];
    app[route.method](route.path, ...guard, ...body, ...route.handlers);
  }
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
