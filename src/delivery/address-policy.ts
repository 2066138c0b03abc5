/**
 * Server-side request forgery guard (OWASP SSRF Prevention Cheat Sheet): the gateway makes
 * requests to URLs that partner files name (webhooks, `jwksUri`). A URL that reaches a private,
 * loopback, link-local (cloud metadata at 169.254.169.254) or unique-local address could make the
 * gateway read or poke its own network, so those are refused, whether written as an IP literal
 * or behind a hostname (resolved at send or fetch time: every address it resolves to must be
 * public). Loopback is allowed only when the operator says so (ALLOW_INSECURE_LOCAL_WEBHOOKS,
 * dev only). A name that does not resolve is left to the request itself to fail (and be retried).
 * Webhooks are also checked where the connection is made (guardedDispatcher): the address the
 * socket connects to is the one checked, so a DNS answer that changes between the check and the
 * request (rebinding) is refused too. An egress proxy remains the defence in depth.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

/** Every address a hostname resolves to (injectable: tests never use real DNS). */
export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

function v4Octets(ip: string): number[] | undefined {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)
    ? parts
    : undefined;
}

/** `a.b.c.d` or `hhhh:hhhh` (the tail of ::ffff:) as dotted IPv4. */
function mappedV4(tail: string): string {
  if (v4Octets(tail)) return tail;
  const [hi = '', lo = ''] = tail.split(':');
  const h = Number.parseInt(hi, 16);
  const l = Number.parseInt(lo, 16);
  return [h >> 8, h & 255, l >> 8, l & 255].join('.');
}

export function isLoopbackAddress(ip: string): boolean {
  const o = v4Octets(ip);
  if (o) return o[0] === 127;
  const v6 = ip.toLowerCase();
  if (v6.startsWith('::ffff:')) return isLoopbackAddress(mappedV4(v6.slice(7)));
  return v6 === '::1';
}

/** RFC 1918, RFC 6598, loopback, link-local, "this network", and their IPv6 counterparts. */
export function isPrivateAddress(ip: string): boolean {
  const o = v4Octets(ip);
  if (o) {
    const [a = 0, b = 0] = o;
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  const v6 = ip.toLowerCase();
  // IPv4-mapped addresses reach the IPv4 host they embed (URL parsing writes them in hex).
  if (v6.startsWith('::ffff:')) return isPrivateAddress(mappedV4(v6.slice(7)));
  if (v6 === '::1' || v6 === '::') return true;
  const first = Number.parseInt(v6.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local.
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** The URL's host as an address, without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function refused(ip: string, allowLoopback: boolean): boolean {
  if (allowLoopback && isLoopbackAddress(ip)) return false;
  return isPrivateAddress(ip);
}

/** A refused connection: the error the request fails with (its class is what the delivery logs). */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(host: string) {
    super(`${host} resolves to a private, loopback or link-local address`);
    this.name = 'AddressRefusedError';
  }
}

/**
 * A dns.lookup for sockets that resolves with `lookup` and refuses the connection when any
 * address is refused: the check happens on the very answer the socket then connects to.
 */
export function guardedLookup(allowLoopback: boolean, lookup: Lookup = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || addresses.some((a) => refused(a, allowLoopback))) {
          callback(new AddressRefusedError(hostname), '', 0);
          return;
        }
        const wanted = typeof options === 'object' && options.family ? options.family : 0;
        const usable = addresses.filter((a) => wanted === 0 || isIP(a) === wanted);
        if (usable.length === 0) {
          callback(
            Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
          return;
        }
        if (typeof options === 'object' && options.all) {
          (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(
            null,
            usable.map((a) => ({ address: a, family: isIP(a) })),
          );
          return;
        }
        const first = usable[0] as string;
        callback(null, first, isIP(first));
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
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
  return `URL host ${host} is a private, loopback or link-local address`;
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
  return bad === undefined
    ? undefined
    : `URL host ${host} resolves to a private, loopback or link-local address`;
}
