/**
 * Issue 21 item 8: every metric the gateway exposes follows Prometheus naming
 * (https://prometheus.io/docs/practices/naming/), checked on what GET /metrics serves on the
 * metrics listener, after traffic, with the metrics built exactly as the gateway builds them
 * (Node.js process metrics included). The text is parsed by parse-prometheus-text-format (a port
 * of Prometheus' own text parser), and each name is judged by the TYPE the exposition declares:
 * - `_total` ends every counter's name and no other's;
 * - base units only (seconds, bytes, ratios; no days, milliseconds, kilobytes, percent), the unit
 *   plural and last (before `_total`); anything about time is in `_seconds`, sizes in `_bytes`;
 * - snake_case, no colons (reserved for recording rules), the application prefix, a HELP text,
 *   and no name ending in a suffix the histogram and summary series reserve.
 */
import type { AddressInfo } from 'node:net';
import parse, { type MetricFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsServer } from '../../src/http/metrics-server.js';
import { deliver, runTraffic, trafficApp } from './traffic.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** Units Prometheus asks to be converted to their base unit, and the base it wants. */
const NON_BASE_UNITS: Record<string, string> = {
  nanoseconds: 'seconds',
  microseconds: 'seconds',
  milliseconds: 'seconds',
  millis: 'seconds',
  ms: 'seconds',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kilobytes: 'bytes',
  megabytes: 'bytes',
  gigabytes: 'bytes',
  kb: 'bytes',
  mb: 'bytes',
  percent: 'ratio',
  second: 'seconds',
  byte: 'bytes',
};
const TIME_WORDS = ['duration', 'latency', 'age', 'lag', 'time', 'timestamp', 'uptime', 'elapsed', 'delay'];
const SIZE_WORDS = ['memory', 'heap', 'size'];
const PREFIXES = ['homeward_', 'process_', 'nodejs_'];

/** Every way `family` breaks the naming rules (empty when it keeps them). */
function namingProblems(family: Pick<MetricFamily, 'name' | 'type' | 'help'>): string[] {
  const { name, type } = family;
  const problems: string[] = [];
  const words = name.split('_');
  const unitWords = type === 'COUNTER' ? words.slice(0, -1) : words;
  if (type === 'UNTYPED') problems.push('has no TYPE');
  if (!family.help.trim()) problems.push('has no HELP');
  if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push('is not snake_case (or has a colon)');
  if (!PREFIXES.some((p) => name.startsWith(p)))
    problems.push(`has none of the prefixes ${PREFIXES.join(', ')}`);
  if (type === 'COUNTER' && !name.endsWith('_total')) problems.push('is a counter without the _total suffix');
  if (type !== 'COUNTER' && name.endsWith('_total'))
    problems.push(`is a ${type.toLowerCase()} ending in _total`);
  if (/_(bucket|count|sum|created)$/.test(name))
    problems.push('ends in a suffix histograms and summaries reserve');
  for (const w of words) {
    const base = NON_BASE_UNITS[w];
    if (base) problems.push(`uses "${w}": Prometheus wants base units (${base})`);
  }
  for (const unit of ['seconds', 'bytes', 'ratio']) {
    const at = unitWords.indexOf(unit);
    if (at >= 0 && at !== unitWords.length - 1)
      problems.push(`has the unit "${unit}" before the end of the name`);
  }
  const last = unitWords.at(-1);
  if (TIME_WORDS.some((w) => words.includes(w)) && last !== 'seconds')
    problems.push('is about time but not in _seconds');
  if (SIZE_WORDS.some((w) => words.includes(w)) && last !== 'bytes')
    problems.push('is about a size but not in _bytes');
  return problems;
}

describe('metric names (Prometheus naming)', () => {
  it('every metric GET /metrics serves follows the rules for its TYPE', async () => {
    const t = await trafficApp({ processMetrics: true });
    closers.push(() => t.receiver.close());
    await deliver(await runTraffic(t));
    const server = metricsServer(t.deps.metrics, t.deps.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const families = parse(await res.text());

    const found = new Map(families.map((f) => [f.name, f.type]));
    // The gateway's own metrics and the process metrics are all there, with the TYPE they need.
    expect(Object.fromEntries([...found].filter(([n]) => n.startsWith('homeward_')))).toEqual({
      homeward_messages_received_total: 'COUNTER',
      homeward_decisions_total: 'COUNTER',
      homeward_decision_reasons_total: 'COUNTER',
      homeward_deliveries_total: 'COUNTER',
      homeward_tokens_issued_total: 'COUNTER',
      homeward_token_failures_total: 'COUNTER',
      homeward_http_request_duration_seconds: 'HISTOGRAM',
      homeward_partner_jwks_reachable: 'GAUGE',
      homeward_state_up: 'GAUGE',
      homeward_outbox_depth: 'GAUGE',
      homeward_outbox_oldest_age_seconds: 'GAUGE',
      homeward_referrals: 'GAUGE',
      homeward_referrals_overdue: 'GAUGE',
      homeward_deliveries_failed: 'GAUGE',
      homeward_agreement_end_timestamp_seconds: 'GAUGE',
      homeward_agreements_ending_soon: 'GAUGE',
    });
    expect(found.get('process_cpu_seconds_total')).toBe('COUNTER');
    expect(found.get('nodejs_active_handles')).toBe('GAUGE');
    expect(found.size).toBeGreaterThan(30);

    const problems = families.flatMap((f) => namingProblems(f).map((p) => `${f.name} (${f.type}) ${p}`));
    expect(problems).toEqual([]);
  });

  it('the rules catch what they are for', () => {
    const check = (name: string, type: MetricFamily['type']) => namingProblems({ name, type, help: 'h' });
    expect(check('homeward_agreement_days_to_end', 'GAUGE')).toEqual([
      'uses "days": Prometheus wants base units (seconds)',
    ]);
    expect(check('nodejs_active_handles_total', 'GAUGE')).toEqual(['is a gauge ending in _total']);
    expect(check('homeward_messages_received', 'COUNTER')).toEqual([
      'is a counter without the _total suffix',
    ]);
    expect(check('homeward_request_duration_ms', 'HISTOGRAM')).toEqual([
      'uses "ms": Prometheus wants base units (seconds)',
      'is about time but not in _seconds',
    ]);
    expect(check('homeward_payload_size', 'GAUGE')).toEqual(['is about a size but not in _bytes']);
    expect(check('homeward_seconds_to_end', 'GAUGE')).toEqual([
      'has the unit "seconds" before the end of the name',
    ]);
    expect(check('homeward_requests:rate5m', 'GAUGE')).toEqual(['is not snake_case (or has a colon)']);
    expect(check('homeward_cpu_seconds_total', 'COUNTER')).toEqual([]);
    expect(check('homeward_agreement_end_timestamp_seconds', 'GAUGE')).toEqual([]);
  });
});
