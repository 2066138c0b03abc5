import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { loadKeyRing } from '../../src/auth/keys.js';
import { partnerKeyResolver } from '../../src/auth/partner-keys.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import { parseSettings } from '../../src/config/settings.js';
import type { Deps } from '../../src/deps.js';
import { secretReader, trustCredentials } from '../../src/fhir/trust-credentials.js';
import { trustFhir } from '../../src/fhir/trust-fhir.js';
import { sequentialIds } from '../../src/ids.js';
import { type IntakeProfiles, loadIntakeProfiles } from '../../src/ingest/profiles.js';
import { compileDatasetSchemas, type DatasetValidators } from '../../src/mapping/dataset-schemas.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { openStore } from '../../src/store/index.js';
import { capturedLogger } from './log-capture.js';

export const SAMPLE_CONSENT_DIR = 'consent';
export const TEST_NOW = '2026-11-23T10:00:00.000Z';
/** AUDIT_SUBJECT_KEY of test deps (tests compute expected subject HMACs with it). */
export const TEST_SUBJECT_KEY = 'test-audit-subject-key-0123456789abcdef';

let datasetValidators: DatasetValidators | undefined;
function sharedDatasets(dir: string): DatasetValidators {
  datasetValidators = datasetValidators ?? compileDatasetSchemas(dir);
  return datasetValidators;
}

/** Compiled once per test file: the profiles are read-only data. */
let intakeProfiles: IntakeProfiles | undefined;
function sharedIntake(dir: string): IntakeProfiles {
  intakeProfiles = intakeProfiles ?? loadIntakeProfiles(dir);
  return intakeProfiles;
}

/** A trust FHIR client for tests: quick timeouts, short backoff, secrets from `env` (nock answers). */
export function testTrustFhir(env: Record<string, string> = {}, timeoutMs = 1000) {
  return trustFhir({
    credentials: trustCredentials(secretReader(env), () => Date.now()),
    timeoutMs,
    attempts: 2,
    backoffMs: 10,
  });
}

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
  const clock = overrides.clock ?? fixedClock(TEST_NOW);
  const registry = overrides.registry ?? loadRegistry(SAMPLE_CONSENT_DIR);
  const store = overrides.store ?? (await openStore('sqlite::memory:'));
  const deps: Deps = {
    settings,
    logger: logs.logger,
    clock,
    ids: sequentialIds('t'),
    registry,
    keys: overrides.keys ?? (await loadKeyRing(keysDir, { generateIfMissing: true })),
    partnerKeys: partnerKeyResolver(),
    store,
    audit: overrides.audit ?? createAuditLog({ clock, subjectKey: TEST_SUBJECT_KEY }),
    intake: overrides.intake ?? sharedIntake(settings.profilesDir),
    trustFhir: overrides.trustFhir ?? testTrustFhir(),
    datasets: overrides.datasets ?? sharedDatasets(settings.profilesDir),
    // Its own registry per app: counters never leak between tests.
    metrics:
      overrides.metrics ??
      createMetrics({
        state: {
          store,
          registry,
          clock,
          onError: (err) => logs.logger.warn({ err }, 'metrics: state could not be read'),
        },
      }),
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
