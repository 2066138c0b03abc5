/**
 * Everything `homeward status` shows (issue 10 item 3), gathered in one place so the screen and
 * its test read the same data: partners, agreements ending within 30 days, partners whose key
 * URL does not answer, the outbox, overdue referrals and dead letters. Bookkeeping only.
 */
import type { Clock } from '../clock.js';
import type { Partner, Registry } from '../config/registry-types.js';
import { type DeliverySummary, listDeliveries } from '../delivery/delivery-list.js';
import type { Store } from '../store/index.js';
import { type EndingAgreement, endingAgreements } from './agreement-expiry.js';
import { checkPartnerJwks, type Fetch, type JwksCheck } from './jwks-reachability.js';
import { type OperationsState, operationsState } from './state.js';

export interface StatusReport {
  at: string;
  store: string;
  partners: Array<Pick<Partner, 'id' | 'kind' | 'roles' | 'odsCode'> & { delivery: string; keys: string }>;
  ending: EndingAgreement[];
  /** Partners registered with a jwksUri that did not answer with keys. */
  unreachableKeys: JwksCheck[];
  state: OperationsState;
  /** The oldest dead letters (at most FAILED_SHOWN of state.failedDeliveries). */
  failed: DeliverySummary[];
}

export const FAILED_SHOWN = 10;

export async function statusReport(
  deps: { store: Store; registry: Registry; clock: Clock },
  opts: { fetch?: Fetch; timeoutMs?: number } = {},
): Promise<StatusReport> {
  const now = deps.clock.now();
  const [state, failed, keys] = await Promise.all([
    operationsState(deps.store.db, now),
    listDeliveries(deps.store.db, { state: 'failed', visibility: { kind: 'all' }, limit: FAILED_SHOWN }),
    checkPartnerJwks(deps.registry, opts),
  ]);
  return {
    at: now.toISOString(),
    store: deps.store.dialect,
    partners: [...deps.registry.partners.values()].map((p) => ({
      id: p.id,
      odsCode: p.odsCode,
      kind: p.kind,
      roles: p.roles,
      delivery: p.delivery ? p.delivery.mode : '-',
      keys: 'jwksUri' in p.keys ? 'jwksUri' : 'inline',
    })),
    ending: endingAgreements(deps.registry, now),
    unreachableKeys: keys.filter((k) => !k.reachable),
    state,
    failed: failed.deliveries,
  };
}
