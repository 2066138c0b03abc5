/**
 * Operations settings (issue 10): the metrics listener and data retention. Parsed with the other
 * settings (settings.ts), all problems reported at once.
 */
import type { Env, IntegerParser } from './env.js';
export interface OperationsSettings {
  /**
   * Port of the separate metrics listener (`GET /metrics`), or undefined (the default) for none.
   * Metrics are not on the API port: a Prometheus server cannot get SMART Backend Services tokens,
   * and the numbers span every partner, which no partner's token should see (README, Operating).
   */
  metricsPort: number | undefined;
  /** Interface the metrics listener binds to; loopback unless the operator opens it on purpose. */
  metricsHost: string;
  /**
   * When set, GET /metrics requires `Authorization: Bearer <this>` (Prometheus `authorization`
   * / `bearer_token_file`): a second lock for a metrics port that is reachable beyond loopback.
   */
  metricsToken: string | undefined;
  /** Raw inbound messages (events.payload, resolved, response) are emptied after this many days. */
  retentionDays: number;
  /** Referral datasets and sent payloads are emptied this many days after the referral's final state. */
  referralRetentionDays: number;
}

export const OPERATIONS_SETTINGS_DOC: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  {
    name: 'METRICS_PORT',
    default: '(unset: no metrics listener)',
    meaning: 'port of the separate Prometheus listener serving GET /metrics',
  },
  { name: 'METRICS_HOST', default: '127.0.0.1', meaning: 'interface the metrics listener binds to' },
  {
    name: 'METRICS_TOKEN',
    default: '(unset: no token)',
    meaning: 'bearer token GET /metrics requires (32+ characters); set it when METRICS_HOST is not loopback',
  },
  {
    name: 'RETENTION_DAYS',
    default: '30',
    meaning: 'days raw inbound messages are kept before their payloads are purged',
  },
  {
    name: 'REFERRAL_RETENTION_DAYS',
    default: '90',
    meaning: "days a referral's dataset is kept after it reached a final state",
  },
];

export function parseOperationsSettings(
  env: Env,
  integer: IntegerParser,
  problems: string[],
): OperationsSettings {
  const rawPort = env.METRICS_PORT;
  const metricsPort =
    rawPort === undefined || rawPort === '' ? undefined : integer(env, 'METRICS_PORT', 0, 1, 65535, problems);
  const metricsHost = env.METRICS_HOST || '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(metricsHost)) {
    problems.push('METRICS_HOST must be a host name or IP address');
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,512}$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be 32 to 512 printable characters without spaces');
  }
  return {
    metricsPort,
    metricsHost,
    metricsToken,
    // At least a day: a purge must never race the trust's retries of the same message.
    retentionDays: integer(env, 'RETENTION_DAYS', 30, 1, 3650, problems),
    referralRetentionDays: integer(env, 'REFERRAL_RETENTION_DAYS', 90, 1, 3650, problems),
  };
}
