/**
 * What the gateway does at start and then once a day (issue 10 items 2 and 4): purge what
 * retention says is due, warn about agreements ending within 30 days, and check partners' key
 * URLs. In the background: nothing here delays the start or a request. Logs carry ids, dates and
 * counts only (no personal data). Each check runs on its own: one failing does not skip the others.
 */
import type { AuditLog } from '../audit/types.js';
import type { Clock } from '../clock.js';
import type { OperationsSettings } from '../config/operations-settings.js';
import type { Registry } from '../config/registry-types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { purgeExpired } from '../retention/retention.js';
import type { Store } from '../store/index.js';
import { endingAgreements } from './agreement-expiry.js';
import { checkPartnerJwks, type Fetch } from './jwks-reachability.js';

export const DAY_MS = 86_400_000;

export interface DailyCheckDeps {
  store: Store;
  audit: AuditLog;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'partnerJwksReachable'>;
  /** `delivery.allowInsecureLocalWebhooks`: loopback jwksUri allowed (dev only). */
  settings: { operations: OperationsSettings; delivery?: { allowInsecureLocalWebhooks: boolean } };
}

async function step(log: Logger, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.error({ err, check: name }, `daily check ${name} failed; it runs again tomorrow`);
  }
}

export async function runDailyChecks(deps: DailyCheckDeps, opts: { fetch?: Fetch } = {}): Promise<void> {
  const log = deps.logger.child({ component: 'daily-checks' });
  const now = deps.clock.now();
  await step(log, 'agreements', async () => {
    for (const a of endingAgreements(deps.registry, now)) {
      log.warn(
        {
          agreement: a.id,
          version: a.version,
          recipient: a.recipient,
          endsOn: a.endsOn,
          daysLeft: a.daysLeft,
        },
        `agreement ${a.id} v${a.version} ends on ${a.endsOn} (${a.daysLeft} days) and has no next version`,
      );
    }
  });
  await step(log, 'partner-keys', async () => {
    const allowLoopback = deps.settings.delivery?.allowInsecureLocalWebhooks ?? false;
    for (const c of await checkPartnerJwks(deps.registry, { ...opts, allowLoopback })) {
      deps.metrics.partnerJwksReachable.set({ partner: c.partner }, c.reachable ? 1 : 0);
      if (!c.reachable) {
        log.warn({ partner: c.partner, problem: c.problem }, `keys of partner ${c.partner} unreachable`);
      }
    }
  });
  await step(log, 'retention', async () => {
    const r = await purgeExpired(deps, { ...deps.settings.operations, now });
    log.info(
      {
        events: r.events,
        referrals: r.referrals,
        deliveries: r.deliveries,
        answers: r.answers,
        messages: r.messages,
        steps: r.steps,
      },
      'retention: expired payloads purged',
    );
  });
}

/** Run now, then every day until `stop()`, which waits for a run in progress. */
export function startDailyChecks(
  deps: DailyCheckDeps,
  opts: { fetch?: Fetch } = {},
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= runDailyChecks(deps, opts).finally(() => {
      running = undefined;
    });
  };
  run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
