/**
 * Wire once (conventions 3): every long-lived dependency is built here from checked settings.
 * Tests build the same shape with overrides (test/helpers/test-app.ts).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createAuditLog } from './audit/audit-log.js';
import { recordRegistryLoaded } from './audit/registry-loaded.js';
import { loadSubjectKey } from './audit/subject.js';
import type { AuditLog } from './audit/types.js';
import { type KeyRing, loadKeyRing } from './auth/keys.js';
import { type KeyResolver, partnerKeyResolver } from './auth/partner-keys.js';
import { type Clock, systemClock } from './clock.js';
import { loadRegistry } from './config/registry.js';
import { type Registry, RegistryError } from './config/registry-types.js';
import type { Settings } from './config/settings.js';
import { partnerUrlProblems } from './delivery/webhook-target.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.js';
import { missingTrustSecrets, secretReader, trustCredentials } from './fhir/trust-credentials.js';
import { type TrustFhir, trustFhir } from './fhir/trust-fhir.js';
import { type Ids, uuidIds } from './ids.js';
import { type IntakeProfiles, loadIntakeProfiles } from './ingest/profiles.js';
import type { Logger } from './log.js';
import { compileDatasetSchemas, type DatasetValidators } from './mapping/dataset-schemas.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { openStore, type Store } from './store/index.js';

export interface Deps {
  settings: Settings;
  logger: Logger;
  clock: Clock;
  ids: Ids;
  registry: Registry;
  keys: KeyRing;
  /** Partners' public keys (inline or fetched from their jwksUri), for client assertions. */
  partnerKeys: KeyResolver;
  store: Store;
  /** The one audit write path (issue 5): every stage appends through it, inside its transaction. */
  audit: AuditLog;
  /** Inbound FHIR profiles (issue 4): JSON Schemas from settings.profilesDir, compiled once here. */
  intake: IntakeProfiles;
  /** Reads references from trusts' own FHIR servers, with the gateway's credentials for each (issue 4). */
  trustFhir: TrustFhir;
  /** Referral dataset schemas (profiles/datasets), compiled once (issue 7). */
  datasets: DatasetValidators;
  /** Prometheus counters and state gauges (issue 10), one registry per Deps. */
  metrics: Metrics;
}

/** Registry and keys are checked before the store opens: a bad config never touches data. */
export async function buildDeps(
  settings: Settings,
  logger: Logger,
  /** Where `env:` secret references are read (main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<Deps> {
  const registry = loadRegistry(settings.consentDir);
  const intake = loadIntakeProfiles(settings.profilesDir);
  const readSecret = secretReader(env);
  const secretProblems = missingTrustSecrets(registry.partners.values(), readSecret);
  if (secretProblems.length > 0) throw new RegistryError(secretProblems);
  const keys = await loadKeyRing(settings.keysDir, { generateIfMissing: !settings.production });
  // Webhook recipients' secrets and URLs (issue 8), and partners' jwksUri hosts (issue 12): refused in production; in dev (where the sample
  // partners have no secrets) a warning, and their deliveries fail with the same words. Checked
  // after the keys so that a missing signing key is still the first thing an operator reads.
  const webhook = partnerUrlProblems(
    registry.partners.values(),
    readSecret,
    settings.delivery.allowInsecureLocalWebhooks,
  );
  if (webhook.length > 0 && settings.production) throw new RegistryError(webhook);
  for (const p of webhook) {
    const consequence = p.path.startsWith('keys.') ? '' : 'webhook deliveries will fail: ';
    logger.warn({ file: p.file, path: p.path }, `${consequence}${p.message}`);
  }
  const subjectKey = loadSubjectKey(settings);
  const store = await openStore(settings.databaseUrl, {
    ...settings.database,
    onPoolError: (err) => logger.warn({ err }, 'database connection lost; the pool reconnects'),
  });
  const audit = createAuditLog({ clock: systemClock, subjectKey });
  // Which agreement versions (and file hashes) were in force from now on (issue 5).
  await recordRegistryLoaded(store, audit, registry);
  return {
    settings,
    logger,
    clock: systemClock,
    ids: uuidIds,
    registry,
    keys,
    partnerKeys: partnerKeyResolver({ allowLoopback: settings.delivery.allowInsecureLocalWebhooks }),
    store,
    audit,
    intake,
    trustFhir: trustFhir({ credentials: trustCredentials(readSecret, () => Date.now()) }),
    datasets: compileDatasetSchemas(settings.profilesDir),
    metrics: createMetrics({
      processMetrics: true,
      state: {
        store,
        registry,
        clock: systemClock,
        onError: (err) => logger.warn({ err }, 'metrics: state could not be read from the store'),
      },
    }),
  };
}

/** The webhook delivery worker (issue 8); main.ts starts it after listening and stops it before closing. */
export function deliveryWorkerFor(
  deps: Deps,
  env: Readonly<Record<string, string | undefined>> = {},
): DeliveryWorker {
  return createDeliveryWorker(deps, {
    tuning: deps.settings.delivery,
    secrets: secretReader(env),
    random: Math.random,
    logger: deps.logger,
    metrics: deps.metrics,
    // Several processes share the outbox (issue 9): a lease names the host and pid holding it, so
    // an operator (and the multi-process test) can tell whose claims a dead process left behind.
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  });
}

/** Close what buildDeps opened, in reverse order. */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.store.close();
}
