import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/auth/keys.js';
import { runCommand } from '../../src/cli/commands.js';
import { RegistryError } from '../../src/config/registry-types.js';
import { parseSettings } from '../../src/config/settings.js';
import { buildDeps } from '../../src/deps.js';
import { capturedLogger } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/test-app.js';
import { newSecret } from './harness.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const PROD = { NODE_ENV: 'production', AUDIT_SUBJECT_KEY: 'k'.repeat(40) };

describe('webhook secrets and URLs at start and in config check', () => {
  it('config check warns in dev, naming each secret, and still exits 0', async () => {
    const t = io();
    expect(await runCommand(['config', 'check'], parseSettings({}), t.io, {})).toBe(0);
    expect(t.err).toEqual([
      expect.stringMatching(
        /homegroup-discharge\.yaml: delivery\.secretRef: webhook secret env:HOMESTEAD_WEBHOOK_SECRET is not set/,
      ),
      expect.stringContaining('homegroup-discharge.yaml: delivery.url'),
      expect.stringMatching(
        /tynebridge-council\.yaml: delivery\.secretRef: webhook secret env:TYNEBRIDGE_WEBHOOK_SECRET/,
      ),
      expect.stringContaining('tynebridge-council.yaml: delivery.url'),
    ]);
  });

  it('config check fails in production on a missing secret or a non-https URL', async () => {
    const env = { HOMESTEAD_WEBHOOK_SECRET: newSecret(), TYNEBRIDGE_WEBHOOK_SECRET: newSecret() };
    const t = io();
    expect(await runCommand(['config', 'check'], parseSettings(PROD), t.io, env)).toBe(1);
    expect(t.err.join('\n')).toContain('delivery.url: webhook URL must use https://');
    expect(t.err.join('\n')).not.toContain('secretRef');
  });

  it('the gateway refuses to start in production with a missing webhook secret', async () => {
    const dir = tempDir('homeward-prod-');
    const keysDir = join(dir, 'keys');
    await generateSigningKey(keysDir);
    const settings = parseSettings({
      ...PROD,
      KEYS_DIR: keysDir,
      DATABASE_URL: `sqlite:${join(dir, 'g.db')}`,
    });
    const err = await buildDeps(settings, capturedLogger().logger, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toContain(
      'webhook secret env:HOMESTEAD_WEBHOOK_SECRET is not set',
    );
  });

  it('in dev the gateway starts and logs a warning per problem', async () => {
    const dir = tempDir('homeward-dev-');
    const logs = capturedLogger();
    const settings = parseSettings({ KEYS_DIR: join(dir, 'keys'), DATABASE_URL: 'sqlite::memory:' });
    const deps = await buildDeps(settings, logs.logger, {});
    await deps.store.close();
    expect(logs.text()).toContain(
      'webhook deliveries will fail: webhook secret env:HOMESTEAD_WEBHOOK_SECRET',
    );
  });
});
