/**
 * Access tokens the gateway issues (issue 3 item 2): short-lived JWTs signed with the active
 * gateway key, `kid` in the header, carrying the partner id and the granted scopes.
 * Verification accepts only our own keys, our issuer, our audience and EdDSA.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import type { Scope } from '../config/registry-types.js';
import type { KeyRing } from './keys.js';
import { SIGNING_ALG } from './keys.js';

/** RFC 9068 JWT access token type. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  partnerId: string;
  scopes: Scope[];
  tokenId: string;
  expiresAt: Date;
}

export interface IssueOptions {
  keys: KeyRing;
  issuer: string;
  ttlSeconds: number;
  now: Date;
}

export async function issueAccessToken(
  partnerId: string,
  scopes: readonly Scope[],
  opts: IssueOptions,
): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(opts.now.getTime() / 1000);
  const token = await new SignJWT({ scope: scopes.join(' '), client_id: partnerId })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: opts.keys.active.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(opts.issuer)
    .setAudience(opts.issuer)
    .setSubject(partnerId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + opts.ttlSeconds)
    .setJti(randomUUID())
    .sign(opts.keys.active.privateKey);
  return { token, expiresIn: opts.ttlSeconds };
}

/** Verify one of our access tokens; throws (jose errors) when it is not valid now. */
export async function verifyAccessToken(
  token: string,
  opts: { keys: KeyRing; issuer: string; now: Date },
): Promise<AccessTokenClaims> {
  const jwks = createLocalJWKSet(opts.keys.jwks());
  const { payload } = await jwtVerify(token, jwks, {
    algorithms: [SIGNING_ALG],
    issuer: opts.issuer,
    audience: opts.issuer,
    typ: ACCESS_TOKEN_TYP,
    currentDate: opts.now,
    requiredClaims: ['sub', 'exp', 'jti', 'scope'],
  });
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  return {
    partnerId: String(payload.sub),
    scopes: scope.split(' ').filter(Boolean) as Scope[],
    tokenId: String(payload.jti),
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}
