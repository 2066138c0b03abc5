/**
 * Verification of a SMART Backend Services client assertion (RFC 7523 section 3, SMART App
 * Launch v2 "Backend Services": iss = sub = client id, aud = token endpoint URL, exp no more
 * than five minutes ahead, a jti never reused while the assertion could still be valid).
 * `aud` may also be the issuer identifier: RFC 7523 section 3 only asks that it identify the
 * authorization server (the token endpoint URL MAY be used), and RFC 8414 clients such as
 * openid-client sign the issuer (issue 21 item 3).
 * Every failure is `invalid_client` (RFC 7523 section 3.2); the reason is for the caller and
 * the metrics, never a stack trace.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Partner, Registry } from '../config/registry-types.js';
import type { KeyResolver } from './partner-keys.js';

/** RS384 and ES384 are the algorithms SMART requires servers to support; ES256 and EdDSA are also accepted. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'ES256', 'EdDSA'] as const;
export const MAX_ASSERTION_BYTES = 8192;
/** Allowed clock difference between partner and gateway. */
export const CLOCK_SKEW_SECONDS = 60;
const MAX_LIFETIME_SECONDS = 300;

export type AssertionResult =
  | { ok: true; partner: Partner; jti: string; expiresAt: Date }
  | { ok: false; reason: string };

const fail = (reason: string): AssertionResult => ({ ok: false, reason });

export async function verifyClientAssertion(
  assertion: string,
  ctx: {
    registry: Registry;
    keys: KeyResolver;
    /** Every `aud` value that names this gateway: the token endpoint URL and the issuer. */
    audiences: readonly string[];
    now: Date;
  },
): Promise<AssertionResult> {
  if (assertion.length > MAX_ASSERTION_BYTES) return fail('client_assertion is too large');
  let alg: string | undefined;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(assertion).alg;
    iss = decodeJwt(assertion).iss;
  } catch {
    return fail('client_assertion is not a well-formed signed JWT');
  }
  // Refuse `none` and symmetric algorithms before any key is touched (key-confusion attacks).
  if (!alg || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
    return fail(`client_assertion algorithm must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  const partner = typeof iss === 'string' ? ctx.registry.partner(iss) : undefined;
  if (!partner) return fail('unknown client');
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, ctx.keys(partner), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: partner.id,
      subject: partner.id,
      audience: [...ctx.audiences],
      currentDate: ctx.now,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
    }));
  } catch (err) {
    return fail(describe(err));
  }
  const nowSeconds = Math.floor(ctx.now.getTime() / 1000);
  const exp = payload.exp ?? 0;
  if (exp - nowSeconds > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    return fail('client_assertion exp must be at most five minutes ahead');
  }
  if (payload.iat !== undefined && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return fail('client_assertion iat is in the future');
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    return fail('client_assertion jti is invalid');
  return { ok: true, partner, jti, expiresAt: new Date(exp * 1000) };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `client_assertion claim "${err.claim}" is invalid`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'no registered key matches the client_assertion kid';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature is invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'client_assertion algorithm is not allowed';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return 'client key set could not be fetched';
  return 'client_assertion is invalid';
}
