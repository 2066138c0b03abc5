/**
 * Wire once (conventions 3): every long-lived dependency is built here from checked settings.
 * Tests build the same shape with overrides (test/helpers/test-app.ts).
 */
import { type KeyRing, loadKeyRing } from './auth/keys.js';
import { type KeyResolver, partnerKeyResolver } from './auth/partner-keys.js';
import { type Clock, systemClock } from './clock.js';
import { loadRegistry } from './config/registry.js';
import type { Registry } from './config/registry-types.js';
import type { Settings } from './config/settings.js';
import { type Ids, uuidIds } from './ids.js';
import type { Logger } from './log.js';
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
}

/** Registry and keys are checked before the store opens: a bad config never touches data. */
export async function buildDeps(settings: Settings, logger: Logger): Promise<Deps> {
  const registry = loadRegistry(settings.consentDir);
  const keys = await loadKeyRing(settings.keysDir, { generateIfMissing: !settings.production });
  const store = await openStore(settings.databaseUrl);
  return {
    settings,
    logger,
    clock: systemClock,
    ids: uuidIds,
    registry,
    keys,
    partnerKeys: partnerKeyResolver(),
    store,
  };
}

/** Close what buildDeps opened, in reverse order. */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.store.close();
}
