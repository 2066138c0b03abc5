/**
 * Public keys of partners, for verifying their client assertions (SMART Backend Services,
 * "Registering a client"): an inline JWKS from the partner file, or a `jwksUri` fetched and
 * cached by jose, which refetches when a `kid` it has not seen arrives (key rotation) with a
 * cooldown so a stream of unknown kids cannot make us hammer the partner's server.
 * A `jwksUri` whose host is or resolves to a non-public address (private, loopback, link-local,
 * reserved...) is never fetched (SSRF: src/net/address-policy.ts), and the fetch connects only
 * to an address the same check accepts (DNS rebinding); the assertion is refused as unverifiable.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import type { Partner } from '../config/registry-types.js';
import { guardedDispatcher, type Lookup, resolvedAddressProblem } from '../net/address-policy.js';

export type KeyResolver = (partner: Partner) => JWTVerifyGetKey;

export interface KeyResolverOptions {
  timeoutMs?: number;
  cooldownMs?: number;
  /** Loopback jwksUri allowed (dev and tests only: ALLOW_INSECURE_LOCAL_WEBHOOKS). */
  allowLoopback?: boolean;
  lookup?: Lookup;
}

function guarded(uri: string, opts: KeyResolverOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(uri), {
    timeoutDuration: opts.timeoutMs ?? 5000,
    cooldownDuration: opts.cooldownMs ?? 30_000,
    cacheMaxAge: 10 * 60_000,
    // Connections only to permitted addresses, checked where the socket connects (DNS rebinding).
    [customFetch]: (url, init) =>
      fetch(url, {
        ...init,
        dispatcher: guardedDispatcher(opts.allowLoopback ?? false, opts.lookup),
      } as RequestInit),
  });
  return async (header, token) => {
    const problem = await resolvedAddressProblem(uri, opts.allowLoopback ?? false, opts.lookup);
    // JWKSInvalid is what the token endpoint answers as "key set could not be fetched".
    if (problem) throw new errors.JWKSInvalid(`jwksUri refused: ${problem}`);
    return remote(header, token);
  };
}

export function partnerKeyResolver(opts: KeyResolverOptions = {}): KeyResolver {
  const cache = new Map<string, JWTVerifyGetKey>();
  return (partner) => {
    const cached = cache.get(partner.id);
    if (cached) return cached;
    const resolver =
      'jwks' in partner.keys ? createLocalJWKSet(partner.keys.jwks) : guarded(partner.keys.jwksUri, opts);
    cache.set(partner.id, resolver);
    return resolver;
  };
}
