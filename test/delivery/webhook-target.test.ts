import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { parseSettings, SettingsError } from '../../src/config/settings.js';
import { webhookProblems, webhookSecretOf, webhookUrlProblem } from '../../src/delivery/webhook-target.js';
import { secretReader } from '../../src/fhir/trust-credentials.js';
import { newSecret } from './harness.js';

describe('webhook URL policy', () => {
  it.each([
    ['https://hooks.homestead-ha.example/homeward', false, undefined],
    ['http://hooks.homestead-ha.example/homeward', true, 'webhook URL must use https://'],
    ['http://127.0.0.1:9900/x', true, undefined],
    ['http://localhost:9900/x', true, undefined],
    ['http://127.0.0.1:9900/x', false, expect.stringContaining('ALLOW_INSECURE_LOCAL_WEBHOOKS')],
    ['http://10.0.0.5/x', true, 'webhook URL must use https://'],
    ['ftp://example.org/x', true, 'webhook URL must use https://'],
    ['https://u:p@example.org/x', false, 'webhook URL must not carry credentials'],
    ['not a url', false, 'webhook URL is not a valid URL'],
  ])('%s (local allowed: %s)', (url, allow, problem) => {
    expect(webhookUrlProblem(url, allow)).toEqual(problem);
  });
});

describe('webhook secrets', () => {
  const registry = loadRegistry('consent');
  const homestead = registry.partner('homegroup-discharge') as Partner;

  it('reads a whsec_ secret, and names a missing or malformed one', () => {
    const secret = newSecret();
    expect(webhookSecretOf(homestead, secretReader({ HOMESTEAD_WEBHOOK_SECRET: secret }))).toEqual({
      kind: 'ok',
      secret,
    });
    expect(webhookSecretOf(homestead, secretReader({}))).toEqual({
      kind: 'problem',
      message: 'webhook secret env:HOMESTEAD_WEBHOOK_SECRET is not set or empty',
    });
    expect(webhookSecretOf(homestead, secretReader({ HOMESTEAD_WEBHOOK_SECRET: 'hunter2' }))).toMatchObject({
      kind: 'problem',
      message: expect.stringContaining('not a Standard Webhooks secret'),
    });
  });

  it('needs no secret for v1a-only recipients', () => {
    const d = homestead.delivery as Extract<Partner['delivery'], { mode: 'webhook' }>;
    const v1aOnly = { ...homestead, delivery: { ...d, signatures: ['v1a' as const] } };
    expect(webhookSecretOf(v1aOnly, secretReader({}))).toEqual({ kind: 'ok' });
  });

  it('reports every webhook recipient of the sample registry without its secret, with file and path', () => {
    const problems = webhookProblems(registry.partners.values(), secretReader({}), true);
    expect(problems.map((p) => [p.file.split('/').pop(), p.path])).toEqual([
      ['homegroup-discharge.yaml', 'delivery.secretRef'],
      ['tynebridge-council.yaml', 'delivery.secretRef'],
    ]);
    const env = { HOMESTEAD_WEBHOOK_SECRET: newSecret(), TYNEBRIDGE_WEBHOOK_SECRET: newSecret() };
    expect(webhookProblems(registry.partners.values(), secretReader(env), true)).toEqual([]);
    expect(webhookProblems(registry.partners.values(), secretReader(env), false).map((p) => p.path)).toEqual([
      'delivery.url',
      'delivery.url',
    ]);
  });
});

describe('delivery settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      parseSettings(env);
      return [];
    } catch (e) {
      if (e instanceof SettingsError) return e.problems;
      throw e;
    }
  };

  it('reads the delivery variables', () => {
    expect(
      parseSettings({
        WEBHOOK_TIMEOUT_MS: '5000',
        DELIVERY_MAX_ATTEMPTS: '3',
        DELIVERY_MAX_AGE_HOURS: '2',
        DELIVERY_POLL_MS: '0',
        DELIVERY_LEASE_MS: '7000',
        ALLOW_INSECURE_LOCAL_WEBHOOKS: 'true',
      }).delivery,
    ).toMatchObject({
      timeoutMs: 5000,
      maxAttempts: 3,
      maxAgeHours: 2,
      pollMs: 0,
      leaseMs: 7000,
      allowInsecureLocalWebhooks: true,
    });
    expect(parseSettings({ WEBHOOK_TIMEOUT_MS: '5000' }).delivery.leaseMs).toBe(35_000);
  });

  it('refuses insecure local webhooks in production, a lease shorter than a send, and nonsense', () => {
    const prod = { NODE_ENV: 'production', AUDIT_SUBJECT_KEY: 'k'.repeat(40) };
    expect(problems({ ...prod, ALLOW_INSECURE_LOCAL_WEBHOOKS: 'true' })).toEqual([
      expect.stringContaining('ALLOW_INSECURE_LOCAL_WEBHOOKS'),
    ]);
    expect(problems({ WEBHOOK_TIMEOUT_MS: '10000', DELIVERY_LEASE_MS: '10500' })).toEqual([
      expect.stringContaining('DELIVERY_LEASE_MS'),
    ]);
    expect(problems({ ALLOW_INSECURE_LOCAL_WEBHOOKS: 'yes', DELIVERY_MAX_ATTEMPTS: '0' })).toHaveLength(2);
  });
});
