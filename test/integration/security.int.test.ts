import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/config/registry-types.js';
import { allRoutes } from '../../src/http/routes.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const ALL_SCOPES: Scope[] = [
  'system/Bundle.c',
  'system/Task.rs',
  'referrals.read',
  'referrals.write',
  'audit.read',
];
let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});

/** Every route of the app, with path parameters filled in. */
function routes() {
  return allRoutes(ctx.deps).map((r) => ({ ...r, url: r.path.replace(/:([A-Za-z_]+)/g, 'probe-$1') }));
}

function call(method: string, url: string, authorization?: string) {
  const agent = request(ctx.app);
  const req =
    method === 'get'
      ? agent.get(url)
      : method === 'post'
        ? agent.post(url).send({})
        : agent[method as 'put'](url);
  return authorization ? req.set('authorization', authorization) : req;
}

describe('every scoped route is guarded (issue 3)', () => {
  it('answers 401 with a challenge without a token, 403 with a token lacking the scope, never 5xx', async () => {
    const scoped = routes().filter((x) => x.scope !== 'public');
    expect(scoped.length).toBeGreaterThan(0);
    for (const r of scoped) {
      const none = await call(r.method, r.url);
      expect(none.status, `${r.method} ${r.path}`).toBe(401);
      expect(none.headers['www-authenticate'], `${r.method} ${r.path}`).toMatch(/^Bearer /);
      const others = ALL_SCOPES.filter((s) => s !== r.scope);
      const wrong = await call(r.method, r.url, await bearer(ctx.deps, 'ig-audit-north', others));
      expect(wrong.status, `${r.method} ${r.path}`).toBe(403);
    }
  });

  it('sends security headers and a request id on every route, and never a stack trace', async () => {
    for (const r of routes()) {
      const res = await call(r.method, r.url);
      expect(res.status, `${r.method} ${r.path}`).toBeLessThan(500);
      expect(res.headers['x-content-type-options'], r.path).toBe('nosniff');
      expect(res.headers['x-request-id'], r.path).toEqual(expect.any(String));
      expect(res.text, r.path).not.toMatch(/at .+\.(ts|js):\d+/);
    }
  });
});
