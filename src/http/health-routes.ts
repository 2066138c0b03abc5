import type { Deps } from '../deps.js';
import type { RouteSpec } from './routes.js';

/** Liveness, readiness and the gateway's public keys: no token needed. */
export function healthRoutes(deps: Deps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/health/live',
      scope: 'public',
      handlers: [
        (_req, res) => {
          res.json({ status: 'live' });
        },
      ],
    },
    {
      method: 'get',
      path: '/health/ready',
      scope: 'public',
      handlers: [
        async (_req, res) => {
          const checks: Record<string, 'ok' | 'failing'> = { store: 'ok', registry: 'ok' };
          try {
            await deps.store.ping();
          } catch {
            checks.store = 'failing';
          }
          if (deps.registry.partners.size === 0) checks.registry = 'failing';
          const ready = Object.values(checks).every((c) => c === 'ok');
          res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
        },
      ],
    },
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      scope: 'public',
      handlers: [
        (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          res.type('application/jwk-set+json').send(JSON.stringify(deps.keys.jwks()));
        },
      ],
    },
  ];
}
