/**
 * Server-side request forgery guard (OWASP SSRF Prevention Cheat Sheet): the gateway makes
 * requests to URLs that partner files name (webhooks, `jwksUri`). A URL that reaches an address
 * that is not public unicast (private, loopback, link-local with cloud metadata at
 * 169.254.169.254, carrier-grade NAT, benchmarking 198.18.0.0/15, multicast, broadcast, reserved,
 * unique-local...) could make the gateway read or poke its own network, so those are refused,
 * whether written as an IP literal or behind a hostname (resolved at send or fetch time: every
 * address it resolves to must be public). Loopback is allowed only when the operator says so
 * (ALLOW_INSECURE_LOCAL_WEBHOOKS, dev only). A name that does not resolve is left to the request
 * itself to fail (and be retried).
 * Webhooks are also checked where the connection is made (guardedDispatcher): the address the
 * socket connects to is the one checked, so a DNS answer that changes between the check and the
 * request (rebinding) is refused too. An egress proxy remains the defence in depth.
 *
 * The ranges are ipaddr.js's classification of the IANA special-purpose registries (RFC 6890),
 * not a list of our own: an address passes only when ipaddr.js calls it `unicast`, and an IPv6
 * one only inside global unicast 2000::/3 (RFC 4291 section 2.4). IPv6 forms that carry an IPv4
 * address are judged by that IPv4 address: IPv4-mapped (RFC 4291 2.5.5.2), IPv4-translated
 * (RFC 6145), NAT64 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC 3056): a gateway host with
 * a NAT64 or 6to4 route would otherwise reach 10.0.0.1 as 64:ff9b::a00:1. Teredo, the local-use
 * NAT64 prefix 64:ff9b:1::/48 (RFC 8215) and the deprecated IPv4-compatible ::/96 tunnel to
 * addresses the gateway cannot judge, so they are refused: they are judged as IPv6, and none of
 * them is global unicast.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';

/** Every address a hostname resolves to (injectable: tests never use real DNS). */
export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((a) => a.address);

const v4From = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);

/** The IPv4 address an IPv6 address carries and is delivered to, or null when it carries none. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = v6.parts as [number, number, number, number, number, number, number, number];
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return v4From(p[6], p[7]);
    case '6to4':
      return v4From(p[1], p[2]);
    case 'rfc6052':
      // Only the well-known prefix 64:ff9b::/96 has the IPv4 address in its last 32 bits.
      return p[2] === 0 ? v4From(p[6], p[7]) : null;
  }
  return null;
}

export type AddressClass = 'public' | 'loopback' | 'refused';

/**
 * How the egress policy sees one IP address (a string as DNS answers or a URL host carries it,
 * without brackets). Anything that does not parse as an address is refused.
 */
export function classifyAddress(ip: string): AddressClass {
  if (isIP(ip) === 0) return 'refused';
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return 'refused';
  }
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    const v4 = embeddedIPv4(v6);
    if (v4) {
      const kind = classifyV4(v4);
      // Only IPv4-mapped loopback is this host; a translated or tunnelled 127.x is some gateway's.
      return kind === 'loopback' && !v6.isIPv4MappedAddress() ? 'refused' : kind;
    }
    if (v6.range() === 'loopback') return 'loopback';
    // RFC 4291 section 2.4: everything outside global unicast 2000::/3 is special-purpose or
    // unassigned (ipaddr.js calls the deprecated IPv4-compatible ::/96 unicast).
    return v6.range() === 'unicast' && v6.match(ipaddr.IPv6.parseCIDR('2000::/3')) ? 'public' : 'refused';
  }
  return classifyV4(addr as ipaddr.IPv4);
}

function classifyV4(v4: ipaddr.IPv4): AddressClass {
  const range = v4.range();
  if (range === 'loopback') return 'loopback';
  return range === 'unicast' ? 'public' : 'refused';
}

/** The URL's host as an address, without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function refused(ip: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(ip);
  return kind === 'refused' || (kind === 'loopback' && !allowLoopback);
}

/** What the refusal says: the name or literal, never where a name led. */
const NOT_PUBLIC = 'a non-public address (private, loopback, link-local, reserved or similar)';

/** A refused connection: the error the request fails with (its class is what the delivery logs). */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(host: string) {
    super(`${host} resolves to ${NOT_PUBLIC}`);
    this.name = 'AddressRefusedError';
  }
}

/**
 * A dns.lookup for sockets that resolves with `lookup` and refuses the connection when any
 * address is refused: the check happens on the very answer the socket then connects to.
 */
export function guardedLookup(allowLoopback: boolean, lookup: Lookup = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    // Stryker disable next-line StringLiteral: with an error, net ignores the address and family (dns.lookup passes none)
    const fail = (err: NodeJS.ErrnoException) => callback(err, '', 0);
    lookup(hostname).then((addresses) => {
      if (addresses.length === 0 || addresses.some((a) => refused(a, allowLoopback))) {
        fail(new AddressRefusedError(hostname));
        return;
      }
      const wanted = options.family ?? 0;
      const usable = addresses.filter((a) => wanted === 0 || isIP(a) === wanted);
      if (usable.length === 0) {
        fail(Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), { code: 'ENOTFOUND' }));
        return;
      }
      if (options.all) {
        (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(
          null,
          usable.map((a) => ({ address: a, family: isIP(a) })),
        );
        return;
      }
      const first = usable[0] as string;
      callback(null, first, isIP(first));
    }, fail);
  };
}

const dispatchers = new WeakMap<Lookup, Map<boolean, Dispatcher>>();

/**
 * The HTTP client dispatcher for requests to partner URLs: connections go only to addresses
 * guardedLookup accepts. One per setting and lookup (tests inject theirs), kept for reuse.
 */
export function guardedDispatcher(allowLoopback: boolean, lookup: Lookup = systemLookup): Dispatcher {
  let byMode = dispatchers.get(lookup);
  if (!byMode) {
    byMode = new Map();
    dispatchers.set(lookup, byMode);
  }
  let d = byMode.get(allowLoopback);
  if (!d) {
    d = new Agent({ connect: { lookup: guardedLookup(allowLoopback, lookup) } });
    byMode.set(allowLoopback, d);
  }
  return d;
}

/** The problem with a URL whose host is an IP literal (checked at start, no DNS needed). */
export function literalAddressProblem(url: URL, allowLoopback: boolean): string | undefined {
  const host = hostOf(url);
  if (isIP(host) === 0 || !refused(host, allowLoopback)) return undefined;
  return `URL host ${host} is ${NOT_PUBLIC}`;
}

/** The problem with `url` once its host is resolved, or undefined when every address is public. */
export async function resolvedAddressProblem(
  url: string,
  allowLoopback: boolean,
  lookup: Lookup = systemLookup,
): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'URL is not valid';
  }
  const host = hostOf(u);
  if (isIP(host) !== 0) return literalAddressProblem(u, allowLoopback);
  let addresses: string[];
  try {
    addresses = await lookup(host);
  } catch {
    return undefined;
  }
  const bad = addresses.find((a) => refused(a, allowLoopback));
  // The name is partner configuration, the address is ours: say which name, not where it led.
  return bad === undefined ? undefined : `URL host ${host} resolves to ${NOT_PUBLIC}`;
}
