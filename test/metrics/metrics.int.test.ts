/**
 * Issue 10 item 1 acceptance: after a demo-like day every metric is exposed, with non-zero values
 * where traffic happened, state gauges read from the database, and no personal data, URL or
 * token anywhere in the output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { metricsServer } from '../../src/http/metrics-server.js';
import { runDailyChecks } from '../../src/operations/daily-checks.js';
import { withPartner } from '../delivery/harness.js';
import { testPartner } from '../helpers/registry.js';
import { deliver, runTraffic, trafficApp } from './traffic.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** `name{labels} value` lines, as a map from series to value. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Every NHS number, name, address, phone number and e-mail in the example messages. */
function fixturePersonalData(): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'string' && ['family', 'given', 'postalCode', 'line', 'birthDate'].includes(key))
      found.add(v);
    else if (typeof v === 'string' && key === 'value' && /^[\d +@.a-z-]{7,}$/i.test(v) && /\d{4}|@/.test(v))
      found.add(v);
  };
  for (const f of readdirSync('test/fixtures/messages').filter((n) => n.endsWith('-request.json'))) {
    const bundle = JSON.parse(readFileSync(`test/fixtures/messages/${f}`, 'utf8')) as {
      entry: Array<{ resource: unknown }>;
    };
    for (const e of bundle.entry) {
      const r = e.resource as { resourceType?: string };
      if (r.resourceType === 'Patient' || r.resourceType === 'Practitioner') walk(r);
    }
  }
  return [...found];
}

describe('GET /metrics after a day of traffic', () => {
  it('exposes every metric, counters where things happened, state from the store, no personal data', async () => {
    const t = await trafficApp();
    closers.push(() => t.receiver.close());
    const day = await runTraffic(t);
    t.clock.advance(90_000);
    const queued = series(await t.deps.metrics.exposition());
    expect(queued.get('homeward_outbox_depth{channel="webhook"}')).toBe(1);
    expect(queued.get('homeward_outbox_depth{channel="pull"}')).toBe(1);
    expect(queued.get('homeward_outbox_oldest_age_seconds{channel="webhook"}')).toBe(90);
    expect(queued.get('homeward_referrals{type="discharge-support",status="queued"}')).toBe(1);

    await deliver(day);
    // A partner publishing its keys by URL, checked by the daily checks.
    const remote: Partner = testPartner('remote-keys-trust', { jwksUri: 'https://keys.example/jwks.json' });
    const registry = withPartner(t.deps.registry, remote);
    await runDailyChecks(
      { ...t.deps, registry },
      { fetch: async () => new Response(JSON.stringify({ keys: [{ kty: 'EC' }] }), { status: 200 }) },
    );
    t.clock.advance(40 * 86_400_000); // past every SLA: both referrals are overdue
    const text = await t.deps.metrics.exposition();
    const s = series(text);
    const expected: Record<string, number> = {
      'homeward_messages_received_total{sender="north-coast-trust",event="admission"}': 1,
      'homeward_messages_received_total{sender="north-coast-trust",event="referral-request"}': 1,
      'homeward_decisions_total{outcome="permit"}': 2,
      'homeward_decisions_total{outcome="withhold"}': 1,
      'homeward_decision_reasons_total{outcome="withhold",reason="consent-missing"}': 1,
      'homeward_deliveries_total{channel="webhook",outcome="delivered"}': 1,
      'homeward_deliveries_total{channel="pull",outcome="delivered"}': 1,
      'homeward_tokens_issued_total{partner="wearmouth-council"}': 1,
      'homeward_token_failures_total{error="invalid_client"}': 1,
      'homeward_referrals{type="discharge-support",status="delivered"}': 1,
      'homeward_referrals{type="duty-to-refer",status="delivered"}': 1,
      homeward_referrals_overdue: 2,
      'homeward_outbox_depth{channel="webhook"}': 0,
      'homeward_outbox_oldest_age_seconds{channel="webhook"}': 0,
      homeward_deliveries_failed: 0,
      homeward_state_up: 1,
      'homeward_partner_jwks_reachable{partner="remote-keys-trust"}': 1,
      homeward_agreements_ending_soon: 0,
    };
    for (const [name, value] of Object.entries(expected)) expect([name, s.get(name)]).toEqual([name, value]);
    // The route TEMPLATE, never the URL with its id.
    expect(
      s.get(
        'homeward_http_request_duration_seconds_count{method="GET",route="/fhir/Task/:id",status_code="200"}',
      ),
    ).toBe(1);
    expect(
      s.get(
        'homeward_http_request_duration_seconds_count{method="POST",route="/fhir/$process-message",status_code="200"}',
      ),
    ).toBe(3);
    // Homestead v2's last day is 2027-03-31 (sample data): in force until midnight BST.
    expect(
      s.get('homeward_agreement_end_timestamp_seconds{agreement="dsa-north-coast-homestead-discharge"}'),
    ).toBe(Date.parse('2027-03-31T23:00:00Z') / 1000);
    expect(text).not.toContain(day.homestead);
    expect(text).not.toContain(day.wearmouth);
    const personal = fixturePersonalData();
    expect(personal).toEqual(expect.arrayContaining(['9990079196', 'Ashworth', 'NE6 1AA', '07700 900123']));
    for (const value of personal) expect(text, value).not.toContain(value);
    // Nothing shaped like an NHS number in a name or a label. Sample values are left out: they are
    // numbers the gateway computes, and a Unix timestamp in seconds has ten digits too (each
    // fixture NHS number was looked for in the whole text above).
    const withoutValues = text
      .split('\n')
      .map((line) => (line.startsWith('#') ? line : line.slice(0, line.lastIndexOf(' '))))
      .join('\n');
    expect(withoutValues).not.toMatch(/\b\d{10}\b/);
    expect(text).not.toMatch(/Bearer|eyJ/);
  });

  it('is served on its own listener: GET /metrics in the text format, nothing else', async () => {
    const t = await trafficApp();
    closers.push(() => t.receiver.close());
    const server = metricsServer(t.deps.metrics, t.deps.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await res.text()).toContain('# TYPE homeward_outbox_depth gauge');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('with METRICS_TOKEN, answers 401 without the right bearer token and 200 with it', async () => {
    const t = await trafficApp();
    closers.push(() => t.receiver.close());
    const token = 'm'.repeat(48);
    const server = metricsServer(t.deps.metrics, t.deps.logger, { token });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Basic ${token}`, token]) {
      const res = await fetch(url, authorization ? { headers: { authorization } } : {});
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="homeward-metrics"');
      expect(await res.text()).not.toContain('homeward_');
    }
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE homeward_outbox_depth gauge');
  });

  it('shows homeward_state_up 0 (and no stale state) when the store cannot be read', async () => {
    const t = await trafficApp();
    closers.push(() => t.receiver.close());
    await t.deps.store.close();
    const s = series(await t.deps.metrics.exposition());
    expect(s.get('homeward_state_up')).toBe(0);
    expect(s.has('homeward_outbox_depth{channel="webhook"}')).toBe(false);
    expect(t.deps.logs.text()).toContain('metrics: state could not be read');
  });
});
