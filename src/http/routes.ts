/**
 * Every route the gateway serves, in one table: method, path, the scope it needs, handler.
 * app.ts registers them; test/integration/openapi.int.test.ts checks openapi.yaml against
 * this table both ways, so the spec cannot drift from the code.
 */
import type { RequestHandler } from 'express';
import type { Scope } from '../config/registry-types.js';
import type { Deps } from '../deps.js';
import { adminRoutes } from './admin-routes.js';
import { auditRoutes } from './audit-routes.js';
import { authRoutes } from './auth-routes.js';
import { consentRoutes } from './consent-routes.js';
import { conversationRoutes } from './conversation-routes.js';
import { fhirRoutes } from './fhir-routes.js';
import { healthRoutes } from './health-routes.js';
import { referralRoutes } from './referral-routes.js';
import { taskRoutes } from './task-routes.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec {
  method: Method;
  /** Express path syntax (`/fhir/Task/:id`); the OpenAPI form is derived (`/fhir/Task/{id}`). */
  path: string;
  /** `public` routes need no token; every other route names the one scope it requires. */
  scope: Scope | 'public';
  /**
   * Cheap checks of a public route that need no body (a per-address rate limit): they run before
   * the body is read, as authentication does for the other routes.
   */
  beforeBody?: RequestHandler[];
  /** Handlers run after authentication and body parsing. */
  handlers: RequestHandler[];
}

export function allRoutes(deps: Deps): RouteSpec[] {
  return [
    ...healthRoutes(deps),
    ...authRoutes(deps),
    ...auditRoutes(deps),
    ...fhirRoutes(deps),
    ...taskRoutes(deps),
    ...consentRoutes(deps),
    ...referralRoutes(deps),
    ...conversationRoutes(deps),
    ...adminRoutes(deps),
  ];
}

/** `/fhir/Task/:id` -> `/fhir/Task/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}
