/**
 * SSRF (issue 12 item 3): webhook URLs and `jwksUri`s that are, or resolve to, private, loopback,
 * link-local (cloud metadata) or unique-local addresses are refused (src/net/address-policy.ts),
 * at start for IP literals and at every send or key fetch for names. DNS is injected, never real.
 */
import type { LookupOptions } from 'node:dns';
import { type AddressInfo, createServer } from 'node:net';
import { errors } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { partnerKeyResolver } from '../../src/auth/partner-keys.js';
import type { Partner, Registry } from '../../src/config/registry-types.js';
import { postWebhook } from '../../src/delivery/send.js';
import type { WebhookHeaders } from '../../src/delivery/webhook-signature.js';
import { partnerUrlProblems, webhookUrlProblem } from '../../src/delivery/webhook-target.js';
import {
  type AddressClass,
  classifyAddress,
  guardedDispatcher,
  guardedLookup,
  type Lookup,
  resolvedAddressProblem,
  systemLookup,
} from '../../src/net/address-policy.js';
import { checkPartnerJwks } from '../../src/operations/jwks-reachability.js';
import { harness, newSecret, testKeys } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';

/**
 * The egress policy's view of addresses (issue 17 item 7): [address, class, why]. "why" names the
 * registry entry (RFC 6890 and its successors) the expectation comes from.
 */
const ADDRESSES: ReadonlyArray<readonly [string, AddressClass, string]> = [
  ['8.8.8.8', 'public', 'global unicast'],
  ['9.255.255.255', 'public', 'just below 10.0.0.0/8'],
  ['11.0.0.0', 'public', 'just above 10.0.0.0/8'],
  ['172.15.0.1', 'public', 'just below 172.16.0.0/12'],
  ['172.15.255.255', 'public', 'just below 172.16.0.0/12'],
  ['172.32.0.0', 'public', 'just above 172.16.0.0/12'],
  ['172.32.0.1', 'public', 'just above 172.16.0.0/12'],
  ['192.167.255.255', 'public', 'just below 192.168.0.0/16'],
  ['192.169.0.0', 'public', 'just above 192.168.0.0/16'],
  ['192.169.0.1', 'public', 'just above 192.168.0.0/16'],
  ['100.63.255.255', 'public', 'just below 100.64.0.0/10'],
  ['100.128.0.0', 'public', 'just above 100.64.0.0/10'],
  ['100.128.0.1', 'public', 'just above 100.64.0.0/10'],
  ['198.20.0.1', 'public', 'just above 198.18.0.0/15'],
  ['223.255.255.254', 'public', 'just below multicast'],
  ['2a00:1450::1', 'public', 'IPv6 global unicast'],
  ['::ffff:8.8.8.8', 'public', 'IPv4-mapped public address'],
  ['64:ff9b::808:808', 'public', 'NAT64 of 8.8.8.8'],
  ['::ffff:0:808:808', 'public', 'IPv4-translated (RFC 6145) 8.8.8.8'],
  ['2002:808:808::1', 'public', '6to4 of 8.8.8.8'],
  ['127.0.0.1', 'loopback', 'RFC 1122 loopback'],
  ['127.8.9.10', 'loopback', 'all of 127.0.0.0/8'],
  ['::1', 'loopback', 'IPv6 loopback'],
  ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped loopback'],
  ['10.0.0.1', 'refused', 'RFC 1918'],
  ['10.255.255.255', 'refused', 'RFC 1918'],
  ['172.16.0.1', 'refused', 'RFC 1918'],
  ['172.31.255.254', 'refused', 'RFC 1918'],
  ['192.168.1.1', 'refused', 'RFC 1918'],
  ['169.254.169.254', 'refused', 'link-local: cloud metadata'],
  ['169.254.0.1', 'refused', 'link-local'],
  ['0.0.0.0', 'refused', '"this network"'],
  ['0.1.2.3', 'refused', '"this network" 0.0.0.0/8'],
  ['100.64.0.1', 'refused', 'carrier-grade NAT (RFC 6598)'],
  ['100.127.255.254', 'refused', 'carrier-grade NAT (RFC 6598)'],
  ['100.127.255.255', 'refused', 'top of carrier-grade NAT 100.64.0.0/10'],
  ['198.18.0.1', 'refused', 'benchmarking (RFC 2544)'],
  ['198.19.255.254', 'refused', 'benchmarking (RFC 2544)'],
  ['192.0.0.8', 'refused', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.10', 'refused', 'TEST-NET-1 (RFC 5737)'],
  ['198.51.100.7', 'refused', 'TEST-NET-2 (RFC 5737)'],
  ['203.0.113.9', 'refused', 'TEST-NET-3 (RFC 5737)'],
  ['224.0.0.1', 'refused', 'multicast'],
  ['239.255.255.250', 'refused', 'multicast (SSDP)'],
  ['240.0.0.1', 'refused', 'reserved 240.0.0.0/4'],
  ['255.255.255.255', 'refused', 'limited broadcast'],
  ['::', 'refused', 'IPv6 unspecified'],
  ['fc00::1', 'refused', 'unique local'],
  ['fd12:3456::1', 'refused', 'unique local'],
  ['fe80::1', 'refused', 'IPv6 link-local'],
  ['fe80::1%eth0', 'refused', 'IPv6 link-local with a zone'],
  ['fec0::1', 'refused', 'deprecated site-local'],
  ['ff02::1', 'refused', 'IPv6 multicast'],
  ['2001:db8::1', 'refused', 'documentation (RFC 3849)'],
  ['100::1', 'refused', 'discard-only (RFC 6666)'],
  ['4000::1', 'refused', 'outside global unicast 2000::/3'],
  ['::ffff:169.254.169.254', 'refused', 'IPv4-mapped metadata address'],
  ['::ffff:a9fe:a9fe', 'refused', 'IPv4-mapped metadata address, hex form'],
  ['::ffff:10.0.0.1', 'refused', 'IPv4-mapped RFC 1918'],
  ['::ffff:0:a00:1', 'refused', 'IPv4-translated (RFC 6145) 10.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'refused', 'NAT64 of the metadata address'],
  ['64:ff9b::10.0.0.1', 'refused', 'NAT64 of RFC 1918'],
  ['64:ff9b::7f00:1', 'refused', "NAT64 of 127.0.0.1 is the translator's loopback, not ours"],
  ['64:ff9b:1::a00:1', 'refused', 'local-use NAT64 prefix (RFC 8215)'],
  ['64:ff9b:1::808:808', 'refused', 'local-use NAT64 prefix (RFC 8215), even to a public address'],
  ['2002:a9fe:a9fe::1', 'refused', '6to4 of the metadata address'],
  ['2002:c0a8:101::1', 'refused', '6to4 of 192.168.1.1'],
  ['2002:6440:1::1', 'refused', '6to4 of carrier-grade NAT'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'refused', 'Teredo: the IPv4 it reaches is obfuscated'],
  ['::a00:1', 'refused', 'deprecated IPv4-compatible 10.0.0.1'],
  ['not-an-address', 'refused', 'not an address at all'],
  ['134744072', 'refused', '8.8.8.8 as one number: not an address as DNS or a URL host carries it'],
  ['0x8.0x8.0x8.0x8', 'refused', '8.8.8.8 in hex: not an address as DNS or a URL host carries it'],
  ['fe80::1%eth0.1', 'refused', 'an IPv6 zone ipaddr.js cannot read'],
];

describe('address classification (ipaddr.js ranges)', () => {
  it('covers at least 40 addresses', () => expect(ADDRESSES.length).toBeGreaterThanOrEqual(40));
  it.each(ADDRESSES)('%s is %s (%s)', (ip, expected) => expect(classifyAddress(ip)).toBe(expected));
});

describe('webhook URLs written as IP literals are refused at start', () => {
  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://10.1.2.3/hook',
    'https://172.20.0.1/hook',
    'https://192.168.0.10/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://2852039166/hook',
    'https://0xa9.0xfe.0xa9.0xfe/hook',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
  ])('%s', (url) => {
    expect(webhookUrlProblem(url, false)).toMatch(/non-public address/);
  });

  it('allows loopback only with ALLOW_INSECURE_LOCAL_WEBHOOKS, and never the metadata address', () => {
    expect(webhookUrlProblem('https://127.0.0.1:8443/hook', true)).toBeUndefined();
    expect(webhookUrlProblem('https://169.254.169.254/hook', true)).toMatch(/non-public address/);
    expect(webhookUrlProblem('https://hooks.provider.example/hook', false)).toBeUndefined();
  });
});

const resolvesTo =
  (...addresses: string[]): Lookup =>
  async () =>
    addresses;

describe('hostnames are resolved and refused if any address is private', () => {
  it.each([
    ['10.0.0.7'],
    ['8.8.8.8', '169.254.169.254'],
    ['fd00::2'],
    ['127.0.0.1'],
  ])('resolving to %s', async (...addresses) => {
    expect(await resolvedAddressProblem('https://evil.example/x', false, resolvesTo(...addresses))).toMatch(
      /evil\.example resolves to a non-public address/,
    );
  });

  it('names a URL that does not parse as not valid', async () => {
    expect(await resolvedAddressProblem('not a url', false, resolvesTo('8.8.8.8'))).toBe('URL is not valid');
  });

  it('lets public names through, and leaves names that do not resolve to the request', async () => {
    expect(
      await resolvedAddressProblem('https://ok.example/x', false, resolvesTo('8.8.8.8')),
    ).toBeUndefined();
    const fails: Lookup = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await resolvedAddressProblem('https://nx.example/x', false, fails)).toBeUndefined();
  });
});

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

describe('at send time', () => {
  it('fails a delivery whose webhook host resolves to the metadata address, sending nothing', async () => {
    const keys = await testKeys();
    const secret = newSecret();
    rx = await startReceiver({ secret, jwks: () => keys.jwks() });
    // The receiver really listens on 127.0.0.1; the name is what a hostile partner file would hold.
    const url = rx.url.replace(/^http:\/\/127\.0\.0\.1/, 'https://metadata.internal.example');
    const h = await harness({ keys, secret, webhook: { url } });
    await h.refer();
    await h.worker({ lookup: resolvesTo('169.254.169.254') }).runOnce();
    expect(rx.received).toEqual([]);
    const [row] = await h.store.db.selectFrom('deliveries').selectAll().execute();
    expect(row).toMatchObject({ state: 'failed' });
    expect(row?.last_error).toMatch(/resolves to a non-public address/);
    expect(await h.audit('disclosed')).toEqual([]);
  });
});

describe('partner jwksUri', () => {
  const partner = (jwksUri: string) => ({ id: 'p', keys: { jwksUri } }) as unknown as Partner;

  it.each([
    ['https://169.254.169.254/jwks', resolvesTo('8.8.8.8')],
    ['https://keys.partner.example/jwks', resolvesTo('10.0.0.9')],
    ['https://keys.partner.example/jwks', resolvesTo('::1')],
  ] as const)('%s is never fetched when it is or resolves to a private address', async (uri, lookup) => {
    const resolve = partnerKeyResolver({ lookup })(partner(uri));
    await expect(resolve({ alg: 'ES256', kid: 'k' }, { payload: '', signature: '' })).rejects.toBeInstanceOf(
      errors.JWKSInvalid,
    );
  });
});

describe('partner jwksUri at start and in config check', () => {
  const partner = (jwksUri: string) =>
    ({ id: 'p', source: 'partners/p.yaml', keys: { jwksUri } }) as unknown as Partner;
  const problems = (uri: string, allowLoopback = false) =>
    partnerUrlProblems([partner(uri)], () => undefined, allowLoopback);

  it.each([
    'https://169.254.169.254/jwks',
    'https://10.1.2.3/.well-known/jwks.json',
    'https://[::1]/jwks',
    'https://[fd00::1]/jwks',
    'http://127.0.0.1:9000/jwks',
  ])('names %s as a problem of keys.jwksUri (an IP literal that is never fetched)', (uri) => {
    expect(problems(uri)).toEqual([
      {
        file: 'partners/p.yaml',
        path: 'keys.jwksUri',
        message: expect.stringMatching(/non-public address \(.*\): it is never fetched/),
      },
    ]);
  });

  it('accepts public hosts and names (names are checked when fetched), and loopback in dev', () => {
    expect(problems('https://keys.partner.example/jwks')).toEqual([]);
    expect(problems('https://8.8.8.8/jwks')).toEqual([]);
    expect(problems('http://127.0.0.1:9000/jwks', true)).toEqual([]);
  });
});

describe('the daily jwksUri reachability check', () => {
  it('never fetches a jwksUri that resolves to a private address, and says why', async () => {
    const registry = {
      partners: new Map([['p', { id: 'p', keys: { jwksUri: 'https://keys.partner.example/jwks' } }]]),
    } as unknown as Registry;
    let fetched = 0;
    const fetch = async () => {
      fetched++;
      return Response.json({ keys: [{}] });
    };
    const checks = await checkPartnerJwks(registry, { fetch, lookup: resolvesTo('169.254.169.254') });
    expect(checks).toEqual([
      { partner: 'p', reachable: false, problem: expect.stringMatching(/non-public/) },
    ]);
    expect(fetched).toBe(0);
  });
});

describe('DNS rebinding: the address is checked where the socket connects', () => {
  /** First answer public (what the send-time check sees), every later one loopback. */
  function rebinding(): { lookup: Lookup; calls: string[] } {
    const calls: string[] = [];
    const lookup: Lookup = async (host) => {
      calls.push(host);
      return calls.length === 1 ? ['93.184.216.34'] : ['127.0.0.1'];
    };
    return { lookup, calls };
  }

  async function tcpServer() {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return { port, connections: () => connections, close: () => new Promise((r) => server.close(r)) };
  }

  const attempt = (url: string, dispatcher: ReturnType<typeof guardedDispatcher>) =>
    postWebhook({
      url,
      body: '{}',
      contentType: 'application/json',
      headers: {} as WebhookHeaders,
      requestId: 'r-1',
      timeoutMs: 3000,
      now: new Date(),
      dispatcher,
    });

  it('refuses a name that passed the check and then resolves to loopback: no connection is made', async () => {
    const target = await tcpServer();
    const { lookup, calls } = rebinding();
    const url = `https://hooks.partner.example:${target.port}/in`;
    expect(await resolvedAddressProblem(url, false, lookup)).toBeUndefined();
    const result = await attempt(url, guardedDispatcher(false, lookup));
    expect(result).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(/^refused: resolves to a non-public address/),
    });
    expect(calls).toEqual(['hooks.partner.example', 'hooks.partner.example']);
    expect(target.connections()).toBe(0);
    await target.close();
  });

  it('connects through the same lookup when the address is allowed (the guard is really in the path)', async () => {
    const target = await tcpServer();
    const { lookup } = rebinding();
    await lookup('first call: the send-time check');
    const result = await attempt(
      `https://hooks.partner.example:${target.port}/in`,
      guardedDispatcher(true, lookup),
    );
    expect(result.kind).toBe('retry');
    expect(target.connections()).toBe(1);
    await target.close();
  });
});

describe('at connect time (guardedLookup: the answer the socket connects to)', () => {
  type Answer = { err: NodeJS.ErrnoException | null; address: unknown; family?: number };
  /** What the socket's lookup is told for `hostname`, with the options net passes. */
  const connectLookup = (lookup: Lookup, options: LookupOptions = {}, allowLoopback = false) =>
    new Promise<Answer>((resolve) =>
      guardedLookup(allowLoopback, lookup)('hooks.partner.example', options, (err, address, family) =>
        resolve({ err, address, family }),
      ),
    );
  const refusal = {
    name: 'AddressRefusedError',
    code: 'EADDRREFUSED',
    message:
      'hooks.partner.example resolves to a non-public address (private, loopback, link-local, reserved or similar)',
  };

  it.each([
    [['8.8.8.8', '10.0.0.1']],
    [['10.0.0.1', '8.8.8.8']],
    [['2a00:1450::1', '169.254.169.254']],
  ])('refuses a name that resolves to a public and a private address (%j)', async (addresses) => {
    const { err } = await connectLookup(resolvesTo(...addresses));
    expect(err).toMatchObject(refusal);
  });

  it('refuses a name with no address at all', async () => {
    expect((await connectLookup(resolvesTo())).err).toMatchObject(refusal);
  });

  it('refuses loopback unless the operator allows it', async () => {
    expect((await connectLookup(resolvesTo('::1'))).err).toMatchObject(refusal);
    expect(await connectLookup(resolvesTo('::1'), {}, true)).toEqual({
      err: null,
      address: '::1',
      family: 6,
    });
  });

  it("fails promptly with the resolver's error when the name does not resolve (no hang)", async () => {
    const nx = Object.assign(new Error('getaddrinfo ENOTFOUND hooks.partner.example'), { code: 'ENOTFOUND' });
    const { err } = await connectLookup(async () => {
      throw nx;
    });
    expect(err).toBe(nx);
  }, 5_000);

  it('answers the first address, or only those of the family the socket asks for', async () => {
    const both = resolvesTo('2a00:1450::1', '8.8.8.8');
    expect(await connectLookup(both)).toEqual({ err: null, address: '2a00:1450::1', family: 6 });
    expect(await connectLookup(both, { family: 4 })).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    expect(await connectLookup(both, { family: 6 })).toEqual({
      err: null,
      address: '2a00:1450::1',
      family: 6,
    });
  });

  it('says there is no address of the family asked for when none is', async () => {
    const { err } = await connectLookup(resolvesTo('8.8.8.8'), { family: 6 });
    expect(err).toMatchObject({ code: 'ENOTFOUND', message: 'no IPv6 address for hooks.partner.example' });
  });

  it('answers every address with its family when the socket asks for all (happy eyeballs)', async () => {
    const { err, address } = await connectLookup(resolvesTo('2a00:1450::1', '8.8.8.8'), { all: true });
    expect(err).toBeNull();
    expect(address).toEqual([
      { address: '2a00:1450::1', family: 6 },
      { address: '8.8.8.8', family: 4 },
    ]);
  });

  it('a webhook to a name that does not resolve fails at once as a network error, not a timeout', async () => {
    const nx: Lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.partner.example'), { code: 'ENOTFOUND' });
    };
    const result = await postWebhook({
      url: 'https://hooks.partner.example/in',
      body: '{}',
      contentType: 'application/json',
      headers: {} as WebhookHeaders,
      requestId: 'r-1',
      timeoutMs: 2000,
      now: new Date(),
      dispatcher: guardedDispatcher(false, nx),
    });
    expect(result).toEqual({ kind: 'retry', error: 'network:ENOTFOUND' });
  });

  it('keeps one dispatcher per lookup and loopback setting, so connections are pooled, not opened per send', () => {
    const lookup = resolvesTo('8.8.8.8');
    const strict = guardedDispatcher(false, lookup);
    expect(guardedDispatcher(false, lookup)).toBe(strict);
    expect(guardedDispatcher(true, lookup)).not.toBe(strict);
    expect(guardedDispatcher(true, lookup)).toBe(guardedDispatcher(true, lookup));
  });

  it('the system resolver answers every address of a name as a list (an IP literal is its own answer)', async () => {
    expect(await systemLookup('127.0.0.1')).toEqual(['127.0.0.1']);
  });
});
