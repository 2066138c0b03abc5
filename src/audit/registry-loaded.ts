/**
 * At start the gateway records which agreements it loaded, each with its version and the SHA-256
 * of its file as loaded (issue 5): every later entry cites an agreement id+version+hash that this
 * entry shows was in force, so an edited agreement file is visible in the audit.
 */
import type { Registry } from '../config/registry-types.js';
import type { Store } from '../store/index.js';
import type { AppendedEntry, AuditLog } from './types.js';

export async function recordRegistryLoaded(
  store: Store,
  audit: AuditLog,
  registry: Registry,
): Promise<AppendedEntry> {
  return store.transaction((tx) =>
    audit.append(tx, {
      action: 'registry-loaded',
      actor: 'gateway',
      detail: {
        agreements: registry.agreements.map((a) => ({
          id: a.id,
          version: a.version,
          sha256: a.sha256,
          status: a.status,
        })),
        partners: [...registry.partners.keys()],
      },
    }),
  );
}
