/**
 * Public keys of partners, for verifying their client assertions (SMART Backend Services,
 * "Registering a client"): an inline JWKS from the partner file, or a `jwksUri` fetched and
 * cached by jose, which refetches when a `kid` it has not seen arrives (key rotation) with a
 * cooldown so a stream of unknown kids cannot make us hammer the partner's server.
 */
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Partner } from '../config/registry-types.js';

export type KeyResolver = (partner: Partner) => JWTVerifyGetKey;

export function partnerKeyResolver(opts: { timeoutMs?: number; cooldownMs?: number } = {}): KeyResolver {
  const cache = new Map<string, JWTVerifyGetKey>();
  return (partner) => {
    const cached = cache.get(partner.id);
    if (cached) return cached;
    const resolver =
      'jwks' in partner.keys
        ? createLocalJWKSet(partner.keys.jwks)
        : createRemoteJWKSet(new URL(partner.keys.jwksUri), {
            timeoutDuration: opts.timeoutMs ?? 5000,
            cooldownDuration: opts.cooldownMs ?? 30_000,
            cacheMaxAge: 10 * 60_000,
          });
    cache.set(partner.id, resolver);
    return resolver;
  };
}
