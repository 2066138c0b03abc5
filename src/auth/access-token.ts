/**
 * Access tokens the gateway issues (issue 3 item 2): short-lived JWTs signed with the active
 * gateway key, `kid` in the header, carrying the partner id and the granted scopes.
 * Verification accepts only our own keys, our issuer, our audience and EdDSA.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Scope } from '../config/registry-types.js';
import type { KeyRing, SigningKey } from './keys.js';
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

/** Tokens remembered as verified, per key ring state; the oldest is forgotten first. */
const REMEMBERED_TOKENS = 10_000;

interface Verified {
  claims: AccessTokenClaims;
  /** nbf, in ms: a clock set back before it makes the token not yet valid again. */
  notBefore: number;
}

/**
 * What verification remembers for one set of keys: the key set built once (building it imports
 * every key again), and the tokens already verified with it. A partner sends the same token with
 * every request until it expires, and verifying an EdDSA signature costs more than the rest of
 * the check (issue 11 profile). A reload of the keys (`homeward keys rotate`) makes a new `all`
 * array, hence a new entry here: every token is verified again against the keys now held.
 */
const verifiedByKeys = new WeakMap<
  readonly SigningKey[],
  { jwks: JWTVerifyGetKey; tokens: Map<string, Verified> }
>();

function memoryFor(keys: KeyRing) {
  let memory = verifiedByKeys.get(keys.all);
  if (!memory) {
    memory = { jwks: createLocalJWKSet(keys.jwks()), tokens: new Map() };
    verifiedByKeys.set(keys.all, memory);
  }
  return memory;
}

/**
 * Verify one of our access tokens; throws (jose errors) when it is not valid now. A token already
 * verified with the same keys and issuer is answered from memory while `now` is within its nbf and
 * exp (as jose compares them: valid while floor(now / 1 s) < exp and nbf <= floor(now / 1 s)).
 */
export async function verifyAccessToken(
  token: string,
  opts: { keys: KeyRing; issuer: string; now: Date },
): Promise<AccessTokenClaims> {
  const memory = memoryFor(opts.keys);
  const key = `${opts.issuer} ${token}`;
  const t = opts.now.getTime();
  const known = memory.tokens.get(key);
  if (known && t >= known.notBefore && t < known.claims.expiresAt.getTime()) return known.claims;
  const { payload } = await jwtVerify(token, memory.jwks, {
    algorithms: [SIGNING_ALG],
    issuer: opts.issuer,
    audience: opts.issuer,
    typ: ACCESS_TOKEN_TYP,
    currentDate: opts.now,
    requiredClaims: ['sub', 'exp', 'jti', 'scope'],
  });
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  const claims: AccessTokenClaims = Object.freeze({
    partnerId: String(payload.sub),
    scopes: Object.freeze(scope.split(' ').filter(Boolean)) as Scope[],
    tokenId: String(payload.jti),
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  });
  if (memory.tokens.size >= REMEMBERED_TOKENS)
    memory.tokens.delete(memory.tokens.keys().next().value as string);
  memory.tokens.set(key, { claims, notBefore: (payload.nbf ?? 0) * 1000 });
  return claims;
}
