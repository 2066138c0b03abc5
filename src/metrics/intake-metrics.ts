/**
 * Counting an accepted message and its decisions (issue 10 item 1). Called once the intake
 * transaction has committed: the decisions are read back from the store (the consent stage's
 * table), so a rolled-back or retried transaction is never counted.
 */
import { decisionCodesOf } from '../consent/decision-store.js';
import type { Store } from '../store/index.js';
import type { Metrics } from './metrics.js';

export async function countAcceptedMessage(
  deps: { metrics: Metrics; store: Store },
  m: { sender: string; event: string; eventId: string },
): Promise<void> {
  deps.metrics.messagesReceived.inc({ sender: m.sender, event: m.event });
  for (const d of await decisionCodesOf(deps.store.db, m.eventId)) {
    deps.metrics.decisions.inc({ outcome: d.outcome });
    for (const reason of d.reasons) deps.metrics.decisionReasons.inc({ outcome: d.outcome, reason });
  }
}
