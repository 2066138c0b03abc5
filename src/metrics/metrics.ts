/**
 * Prometheus metrics (issue 10 item 1), in one registry built in deps.ts (never prom-client's
 * global default registry, so tests and several apps in one process never share counters).
 *
 * Counters are incremented where things happen, after the transaction that made them committed
 * (a rolled-back or retried transaction counts nothing). State (outbox, referrals, SLA breaches,
 * agreements) is read at scrape time: state-gauges.ts.
 *
 * Labels carry partner ids, codes and route templates only: never an NHS number, a name, a URL
 * or a token (test/metrics/metrics.int.test.ts scans the output after traffic).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { registerStateGauges, type StateSource } from './state-gauges.js';

export interface Metrics {
  readonly registry: Registry;
  /** New messages accepted by $process-message (replays and refusals are not counted). */
  readonly messagesReceived: Counter<'sender' | 'event'>;
  readonly decisions: Counter<'outcome'>;
  /** One count per reason code of a decision (a withhold usually has one, may have several). */
  readonly decisionReasons: Counter<'outcome' | 'reason'>;
  /** Webhook attempts by result, and first reads of pull-inbox messages (`delivered`). */
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly tokensIssued: Counter<'partner'>;
  readonly tokenFailures: Counter<'error'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** 1 when the partner's jwksUri answered with keys at the last daily check, else 0. */
  readonly partnerJwksReachable: Gauge<'partner'>;
  /** The text exposition format, state gauges read now. */
  exposition(): Promise<string>;
}

/** prom-client default gauges whose names break Prometheus naming (`_total` on a gauge). */
const NON_COUNTER_TOTALS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsOptions {
  /** Where state gauges read from; without it only counters are exposed (unit tests). */
  state?: StateSource;
  /** Node.js process metrics (memory, event loop lag): on in the gateway, off in tests. */
  processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these three gauges `_total`, which Prometheus keeps for counters (issue 21
    // item 8); `sum(nodejs_active_handles)` etc. give the same numbers from the per-type gauges.
    for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name);
  }
  if (opts.state) registerStateGauges(registry, opts.state);
  return {
    registry,
    messagesReceived: new Counter({
      name: 'homeward_messages_received_total',
      help: 'FHIR messages accepted, by sending partner and event code',
      labelNames: ['sender', 'event'],
      registers,
    }),
    decisions: new Counter({
      name: 'homeward_decisions_total',
      help: 'Disclosure decisions made, by outcome (permit or withhold)',
      labelNames: ['outcome'],
      registers,
    }),
    decisionReasons: new Counter({
      name: 'homeward_decision_reasons_total',
      help: 'Reason codes of decisions (e.g. consent-missing, out-of-catchment), by outcome',
      labelNames: ['outcome', 'reason'],
      registers,
    }),
    deliveries: new Counter({
      name: 'homeward_deliveries_total',
      help: 'Delivery results: webhook attempts (delivered, retry, failed, cancelled, lease-lost) and first inbox reads',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    tokensIssued: new Counter({
      name: 'homeward_tokens_issued_total',
      help: 'Access tokens issued, by partner',
      labelNames: ['partner'],
      registers,
    }),
    tokenFailures: new Counter({
      name: 'homeward_token_failures_total',
      help: 'Token requests refused, by OAuth error code',
      labelNames: ['error'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'homeward_http_request_duration_seconds',
      help: 'API request durations by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    partnerJwksReachable: new Gauge({
      name: 'homeward_partner_jwks_reachable',
      help: "1 when the partner's jwksUri answered with keys at the last check, 0 when not",
      labelNames: ['partner'],
      registers,
    }),
    exposition: () => registry.metrics(),
  };
}

export type { StateSource };
