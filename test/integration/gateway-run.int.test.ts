/**
 * The running gateway (src/gateway.ts) as main.ts and the demo start it: the API, the separate
 * metrics listener (issue 10 item 1), signing keys picked up after a rotation, a clean stop, and a
 * plain error for a port that cannot be bound.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateSigningKeys } from '../../src/auth/key-rotation.js';
import { parseSettings } from '../../src/config/settings.js';
import { ListenError, runGateway } from '../../src/gateway.js';
import { freePort } from '../helpers/gateway-process.js';
import { capturedLogger } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/test-app.js';

function settingsFor(dir: string, metricsPort: number, env: Record<string, string> = {}) {
  return parseSettings({
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
    KEYS_DIR: join(dir, 'keys'),
    METRICS_PORT: String(metricsPort),
    DELIVERY_POLL_MS: '0',
    ...env,
  });
}

describe('runGateway', () => {
  it('serves the API and, on its own port only, the metrics; reloads keys; stops cleanly', async () => {
    const dir = tempDir('homeward-run-');
    const metricsPort = await freePort();
    const logs = capturedLogger();
    const g = await runGateway(settingsFor(dir, metricsPort), logs.logger);
    try {
      const api = `http://127.0.0.1:${g.port}`;
      expect((await fetch(`${api}/health/ready`)).status).toBe(200);
      expect((await fetch(`${api}/metrics`)).status).toBe(404);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toContain(
        'homeward_http_request_duration_seconds_count{method="GET",route="/health/ready",status_code="200"} 1',
      );
      expect(text).toContain('homeward_state_up 1');
      expect(text).toContain('process_resident_memory_bytes');
      expect(logs.text()).toContain(`"metrics":"127.0.0.1:${metricsPort}"`);

      const rotated = await rotateSigningKeys(join(dir, 'keys'));
      await g.deps.keys.reload();
      const jwks = (await (await fetch(`${api}/.well-known/jwks.json`)).json()) as {
        keys: Array<{ kid: string }>;
      };
      expect(jwks.keys.map((k) => k.kid)).toContain(rotated.kid);
    } finally {
      await g.stop();
    }
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('warns when metrics are reachable beyond loopback without METRICS_TOKEN, and not with one', async () => {
    const open = capturedLogger();
    const g = await runGateway(
      settingsFor(tempDir('homeward-run-'), await freePort(), { METRICS_HOST: '0.0.0.0' }),
      open.logger,
    );
    await g.stop();
    expect(open.text()).toContain('metrics listener is reachable beyond loopback without METRICS_TOKEN');

    const token = 'z'.repeat(40);
    const locked = capturedLogger();
    const metricsPort = await freePort();
    const h = await runGateway(
      settingsFor(tempDir('homeward-run-'), metricsPort, { METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token }),
      locked.logger,
    );
    try {
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await h.stop();
    }
    expect(locked.text()).not.toContain('without METRICS_TOKEN');
    expect(locked.text()).not.toContain(token);
  });

  it('refuses to start, in plain words, when the metrics port is taken', async () => {
    const metricsPort = await freePort();
    const first = await runGateway(
      settingsFor(tempDir('homeward-run-a-'), metricsPort),
      capturedLogger().logger,
    );
    try {
      const second = runGateway(
        settingsFor(tempDir('homeward-run-b-'), metricsPort),
        capturedLogger().logger,
      );
      await expect(second).rejects.toThrow(ListenError);
      await expect(second).rejects.toThrow(`Cannot listen on the metrics port ${metricsPort}: EADDRINUSE`);
    } finally {
      await first.stop();
    }
  });
});
