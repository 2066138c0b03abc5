import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { loadKeyRing } from '../../src/auth/keys.js';
import { partnerKeyResolver } from '../../src/auth/partner-keys.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import { parseSettings } from '../../src/config/settings.js';
import type { Deps } from '../../src/deps.js';
import { sequentialIds } from '../../src/ids.js';
import { openStore } from '../../src/store/index.js';
import { capturedLogger } from './log-capture.js';

export const SAMPLE_CONSENT_DIR = 'consent';
export const TEST_NOW = '2026-11-23T10:00:00.000Z';

export function tempDir(prefix = 'homeward-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Deps for tests: in-memory SQLite, the sample registry, fresh keys, a fixed clock, captured logs. */
export async function testDeps(
  overrides: Partial<Deps> = {},
): Promise<Deps & { logs: ReturnType<typeof capturedLogger> }> {
  const keysDir = tempDir('homeward-keys-');
  const settings = parseSettings({ DATABASE_URL: 'sqlite::memory:', KEYS_DIR: keysDir, PORT: '0' });
  const logs = capturedLogger();
  const deps: Deps = {
    settings,
    logger: logs.logger,
    clock: fixedClock(TEST_NOW),
    ids: sequentialIds('t'),
    registry: overrides.registry ?? loadRegistry(SAMPLE_CONSENT_DIR),
    keys: overrides.keys ?? (await loadKeyRing(keysDir, { generateIfMissing: true })),
    partnerKeys: partnerKeyResolver(),
    store: overrides.store ?? (await openStore('sqlite::memory:')),
    ...overrides,
  };
  return { ...deps, logs };
}

export async function testApp(
  overrides: Partial<Deps> = {},
): Promise<{ app: Express; deps: Awaited<ReturnType<typeof testDeps>> }> {
  const deps = await testDeps(overrides);
  return { app: createApp(deps), deps };
}
