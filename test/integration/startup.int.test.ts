import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { freePort, startGateway, waitForOk } from '../helpers/gateway-process.js';
import { withSchema } from '../helpers/postgres.js';
import { tempDir } from '../helpers/test-app.js';

describe('gateway process', () => {
  it('starts on the embedded default, answers ready, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('homeward-start-');
    const port = await freePort();
    const gw = startGateway({
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
      KEYS_DIR: join(dir, 'keys'),
    });
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, gw);
    const jwks = (await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(jwks.keys).toHaveLength(1);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    expect(gw.stdout()).toContain('shutting down');
  });

  it('starts on PostgreSQL (DATABASE_URL=postgres://..., own schema), migrates it, answers ready', async () => {
    await withSchema(async (schema) => {
      const dir = tempDir('homeward-start-pg-');
      const port = await freePort();
      const gw = startGateway({
        PORT: String(port),
        DATABASE_URL: schema.url,
        KEYS_DIR: join(dir, 'keys'),
      });
      try {
        await waitForOk(`http://127.0.0.1:${port}/health/ready`, gw);
        const ready = await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json();
        expect(ready).toMatchObject({ status: 'ready', checks: { store: 'ok' } });
        expect(gw.stdout()).toContain('"store":"postgres"');
      } finally {
        gw.child.kill('SIGTERM');
      }
      expect(await gw.exited).toEqual({ code: 0, signal: null });
      // Its start was recorded in that schema's audit, through the pool it closed on SIGTERM.
      const store = await openStore(schema.url);
      try {
        const audit = await store.db.selectFrom('audit').select(['seq', 'action']).execute();
        expect(audit).toEqual([{ seq: 1, action: 'registry-loaded' }]);
      } finally {
        await store.close();
      }
    });
  });

  it('refuses to start on a broken agreement file, naming the file and the path', async () => {
    const dir = tempDir('homeward-badcfg-');
    const consent = join(dir, 'consent');
    cpSync('consent', consent, { recursive: true });
    writeFileSync(join(consent, 'agreements', 'broken.yaml'), 'id: dsa-broken\nversion: [unclosed\n');
    const gw = startGateway({
      PORT: String(await freePort()),
      CONSENT_DIR: consent,
      DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
      KEYS_DIR: join(dir, 'keys'),
    });
    const { code } = await gw.exited;
    expect(code).toBe(1);
    expect(gw.stderr()).toContain('broken.yaml');
  });

  it('refuses to start on invalid settings, listing every problem', async () => {
    const gw = startGateway({ PORT: 'eighty', LOG_LEVEL: 'chatty' });
    const { code } = await gw.exited;
    expect(code).toBe(1);
    expect(gw.stderr()).toContain('PORT');
    expect(gw.stderr()).toContain('LOG_LEVEL');
  });

  it('in production, refuses to start without a provisioned signing key', async () => {
    const dir = tempDir('homeward-prod-');
    const gw = startGateway({
      NODE_ENV: 'production',
      AUDIT_SUBJECT_KEY: 'an-audit-subject-key-for-tests-only-0123456789',
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
      KEYS_DIR: join(dir, 'keys'),
    });
    const { code } = await gw.exited;
    expect(code).toBe(1);
    expect(gw.stderr()).toContain('keys generate');
  });
});
