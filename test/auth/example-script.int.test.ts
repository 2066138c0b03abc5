import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { verifyAccessToken } from '../../src/auth/access-token.js';
import { systemClock } from '../../src/clock.js';
import { freePort } from '../helpers/gateway-process.js';
import { testDeps } from '../helpers/test-app.js';

const run = promisify(execFile);
let server: Server;
let gateway: string;
let deps: Awaited<ReturnType<typeof testDeps>>;

beforeAll(async () => {
  const port = await freePort();
  gateway = `http://127.0.0.1:${port}`;
  const base = await testDeps({ clock: systemClock });
  deps = { ...base, settings: { ...base.settings, publicUrl: gateway } };
  server = createApp(deps).listen(port, '127.0.0.1');
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('examples/get-token.mjs (README: how a partner obtains a token)', () => {
  it('obtains a token the gateway accepts, for the partner and scopes asked', async () => {
    const { stdout } = await run(
      process.execPath,
      ['examples/get-token.mjs', 'wearmouth-council', 'referrals.read'],
      {
        env: { ...process.env, GATEWAY_URL: gateway },
      },
    );
    const body = JSON.parse(stdout) as { access_token: string; scope: string };
    expect(body.scope).toBe('referrals.read');
    const claims = await verifyAccessToken(body.access_token, {
      keys: deps.keys,
      issuer: gateway,
      now: new Date(),
    });
    expect(claims).toMatchObject({ partnerId: 'wearmouth-council', scopes: ['referrals.read'] });
  });

  it('exits 1 with the OAuth error when the partner asks for a scope it may not have', async () => {
    await expect(
      run(process.execPath, ['examples/get-token.mjs', 'wearmouth-council', 'audit.read'], {
        env: { ...process.env, GATEWAY_URL: gateway },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('invalid_scope') });
  });
});
