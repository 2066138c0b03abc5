import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allRoutes, openApiPath } from '../../src/http/routes.js';
import { testDeps } from '../helpers/test-app.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('openapi.yaml stays in sync with the routes', () => {
  it('documents exactly the routes the app serves', async () => {
    const spec = parse(readFileSync('openapi.yaml', 'utf8')) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(spec.openapi).toMatch(/^3\.1\./);
    const documented = Object.entries(spec.paths)
      .flatMap(([path, ops]) => METHODS.filter((m) => m in ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = allRoutes(await testDeps())
      .map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`)
      .sort();
    expect(documented).toEqual(served);
  });

  it('gives every operation an operationId and at least one response', () => {
    const spec = parse(readFileSync('openapi.yaml', 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string; responses?: object }>>;
    };
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const m of METHODS) {
        const op = ops[m];
        if (!op) continue;
        expect(op.operationId, `${m} ${path}`).toEqual(expect.any(String));
        expect(Object.keys(op.responses ?? {}).length, `${m} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('openapi.yaml declares the scope of each route', () => {
  it('public routes have `security: []` and scoped routes require exactly their scope', async () => {
    const spec = parse(readFileSync('openapi.yaml', 'utf8')) as {
      paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
      components: { securitySchemes?: Record<string, unknown> };
    };
    expect(spec.components.securitySchemes).toHaveProperty('smartBackendServices');
    for (const r of allRoutes(await testDeps())) {
      const op = spec.paths[openApiPath(r.path)]?.[r.method];
      const expected = r.scope === 'public' ? [] : [{ smartBackendServices: [r.scope] }];
      expect(op?.security, `${r.method} ${r.path}`).toEqual(expected);
    }
  });
});
