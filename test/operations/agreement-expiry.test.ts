/** Issue 10 item 4: agreements ending within 30 days, and partners whose key URL does not answer. */
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Agreement, Registry } from '../../src/config/registry-types.js';
import { agreementEnds, endingAgreements } from '../../src/operations/agreement-expiry.js';
import { runDailyChecks } from '../../src/operations/daily-checks.js';
import { checkPartnerJwks } from '../../src/operations/jwks-reachability.js';
import { registryWith, testPartner } from '../helpers/registry.js';
import { testDeps } from '../helpers/test-app.js';

const sample = loadRegistry('consent');
const HOMESTEAD = 'dsa-north-coast-homestead-discharge';

function withAgreement(base: Registry, extra: Agreement): Registry {
  const agreements = [...base.agreements, extra];
  return { ...base, agreements, versions: (id) => agreements.filter((a) => a.id === id) };
}

describe('agreements ending', () => {
  it('lists the version in force ending within 30 days, soonest first, by London date', () => {
    // Homestead v2 ends 2027-03-31 (sample data); 11pm UTC on the 9th is the 9th in London (GMT).
    expect(endingAgreements(sample, new Date('2027-03-09T23:00:00Z'))).toEqual([
      {
        id: HOMESTEAD,
        version: 2,
        discloser: 'north-coast-trust',
        recipient: 'homegroup-discharge',
        endsOn: '2027-03-31',
        daysLeft: 22,
      },
    ]);
    expect(endingAgreements(sample, new Date('2027-02-28T12:00:00Z'))).toEqual([]);
    expect(endingAgreements(sample, new Date('2027-03-31T12:00:00Z'))[0]?.daysLeft).toBe(0);
  });

  it('gives the instant each agreement stops being in force: the end of its last day in England', () => {
    const ends = agreementEnds(sample, new Date('2027-03-09T12:00:00Z'));
    // Homestead's last day is 2027-03-31, in British Summer Time: it ends at 23:00 UTC.
    expect(ends).toContainEqual({ id: HOMESTEAD, endsAt: new Date('2027-03-31T23:00:00Z') });
    // Riverside's last day is 2027-12-31, in GMT: it ends at midnight UTC.
    expect(ends).toContainEqual({
      id: 'dsa-riverside-homestead-discharge',
      endsAt: new Date('2028-01-01T00:00:00Z'),
    });
  });

  it('says nothing when an active next version takes over the next day', () => {
    const v2 = sample.versions(HOMESTEAD).find((a) => a.version === 2) as Agreement;
    const v3: Agreement = { ...v2, version: 3, effective: { from: '2027-04-01' } };
    const renewed = withAgreement(sample, v3);
    expect(endingAgreements(renewed, new Date('2027-03-20T12:00:00Z'))).toEqual([]);
    // A draft is not a renewal.
    const draft = withAgreement(sample, { ...v3, status: 'draft' });
    expect(endingAgreements(draft, new Date('2027-03-20T12:00:00Z')).map((a) => a.id)).toEqual([HOMESTEAD]);
  });
});

describe('partner key URLs', () => {
  const remote = registryWith(sample, [
    testPartner('up-trust', { jwksUri: 'https://up.example/jwks.json' }),
    testPartner('down-trust', { jwksUri: 'https://down.example/jwks.json' }),
    testPartner('empty-trust', { jwksUri: 'https://empty.example/jwks.json' }),
    testPartner('slow-trust', { jwksUri: 'https://slow.example/jwks.json' }),
  ]);
  const fetch = async (url: string, init: RequestInit) => {
    if (url.includes('up.')) return Response.json({ keys: [{ kty: 'EC' }] });
    if (url.includes('down.')) return new Response('', { status: 503 });
    if (url.includes('empty.')) return Response.json({ keys: [] });
    return new Promise<Response>((_resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
    });
  };

  it('checks each jwksUri with a timeout and says why one is unreachable', async () => {
    const checks = await checkPartnerJwks(remote, { fetch, timeoutMs: 50 });
    expect(checks.sort((a, b) => a.partner.localeCompare(b.partner))).toEqual([
      { partner: 'down-trust', reachable: false, problem: 'HTTP 503' },
      { partner: 'empty-trust', reachable: false, problem: 'answer holds no keys' },
      { partner: 'slow-trust', reachable: false, problem: 'no answer within 50 ms' },
      { partner: 'up-trust', reachable: true },
    ]);
  });

  it('daily checks log ending agreements and unreachable keys without personal data', async () => {
    const deps = await testDeps({ registry: remote });
    await runDailyChecks(
      { ...deps, clock: { now: () => new Date('2027-03-20T12:00:00Z') } },
      {
        fetch: async (url, init) =>
          url.includes('slow.') ? Response.json({ keys: [{}] }) : fetch(url, init),
      },
    );
    const lines = deps.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, agreement: HOMESTEAD, endsOn: '2027-03-31', daysLeft: 11 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, partner: 'down-trust', problem: 'HTTP 503' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'retention: expired payloads purged', events: 0 }),
    );
    expect(deps.logs.text()).not.toMatch(/\d{10}/);
    const gauge = await deps.metrics.partnerJwksReachable.get();
    expect(gauge.values.map((v) => [v.labels.partner, v.value]).sort()).toEqual([
      ['down-trust', 0],
      ['empty-trust', 0],
      ['slow-trust', 1],
      ['up-trust', 1],
    ]);
  });
});
