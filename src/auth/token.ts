/**
 * The token endpoint as a stage function (no express): form fields in, an RFC 6749 section 5
 * answer out. Grant: client_credentials with a JWT client assertion (RFC 7523, SMART Backend
 * Services). Errors: invalid_request, unsupported_grant_type, invalid_scope (400) and
 * invalid_client (401).
 */
import type { Clock } from '../clock.js';
import type { Registry, Scope } from '../config/registry-types.js';
import type { Store } from '../store/index.js';
import { issueAccessToken } from './access-token.js';
import { CLOCK_SKEW_SECONDS, verifyClientAssertion } from './client-assertion.js';
import type { KeyRing } from './keys.js';
import type { KeyResolver } from './partner-keys.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const SUPPORTED_SCOPES: readonly Scope[] = [
  'system/Bundle.c',
  'system/Task.rs',
  'system/Communication.crs',
  'referrals.read',
  'referrals.write',
  'audit.read',
];

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type';

export type TokenAnswer =
  | {
      ok: true;
      partnerId: string;
      body: { access_token: string; token_type: 'bearer'; expires_in: number; scope: string };
    }
  | {
      ok: false;
      status: 400 | 401;
      partnerId?: string;
      body: { error: OAuthErrorCode; error_description: string };
    };

export interface TokenDeps {
  registry: Registry;
  keys: KeyRing;
  partnerKeys: KeyResolver;
  store: Store;
  clock: Clock;
  settings: { publicUrl: string; accessTokenTtlSeconds: number };
}

const error = (
  status: 400 | 401,
  code: OAuthErrorCode,
  description: string,
  partnerId?: string,
): TokenAnswer => ({
  ok: false,
  status,
  ...(partnerId ? { partnerId } : {}),
  body: { error: code, error_description: description },
});

export function tokenUrl(publicUrl: string): string {
  return `${publicUrl}/oauth/token`;
}

export async function requestToken(form: Record<string, unknown>, deps: TokenDeps): Promise<TokenAnswer> {
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
  const grantType = field('grant_type');
  if (!grantType) return error(400, 'invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') {
    return error(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported');
  }
  if (field('client_assertion_type') !== JWT_BEARER) {
    return error(400, 'invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
  }
  const assertion = field('client_assertion');
  if (!assertion) return error(400, 'invalid_request', 'client_assertion is required');
  const scope = field('scope');
  if (!scope || scope.trim() === '') return error(400, 'invalid_request', 'scope is required');

  const now = deps.clock.now();
  const verified = await verifyClientAssertion(assertion, {
    registry: deps.registry,
    keys: deps.partnerKeys,
    // The token endpoint URL (SMART) or the issuer identifier (RFC 7523, RFC 8414 clients).
    audiences: [tokenUrl(deps.settings.publicUrl), deps.settings.publicUrl],
    now,
  });
  if (!verified.ok) return error(401, 'invalid_client', verified.reason);
  const { partner } = verified;

  // The jti is spent as soon as the assertion is verified, whatever is then refused (issue 17
  // item 6): RFC 7523 section 3 lets a server refuse a jti it has seen, and an assertion
  // answered invalid_scope was still presented once, so it must not be usable again.
  if (!(await rememberJti(deps.store, partner.id, verified.jti, verified.expiresAt, now))) {
    return error(401, 'invalid_client', 'client_assertion jti has already been used', partner.id);
  }
  const requested = scope.split(/\s+/).filter(Boolean);
  const granted = SUPPORTED_SCOPES.filter((s) => requested.includes(s) && partner.scopes.includes(s));
  if (granted.length === 0) {
    return error(400, 'invalid_scope', 'None of the requested scopes is allowed for this client', partner.id);
  }
  const { token, expiresIn } = await issueAccessToken(partner.id, granted, {
    keys: deps.keys,
    issuer: deps.settings.publicUrl,
    ttlSeconds: deps.settings.accessTokenTtlSeconds,
    now,
  });
  return {
    ok: true,
    partnerId: partner.id,
    body: { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: granted.join(' ') },
  };
}

/**
 * Record a jti until its assertion expires; false when it was already used. The primary key
 * makes this safe under concurrency (and across processes sharing a database).
 */
async function rememberJti(
  store: Store,
  partnerId: string,
  jti: string,
  expiresAt: Date,
  now: Date,
): Promise<boolean> {
  return store.transaction(async (tx) => {
    // Forget jtis only once their assertions are past exp plus the allowed skew.
    const forgetBefore = new Date(now.getTime() - 2 * CLOCK_SKEW_SECONDS * 1000).toISOString();
    await tx.deleteFrom('used_jti').where('expires_at', '<', forgetBefore).execute();
    const inserted = await tx
      .insertInto('used_jti')
      .values({ partner_id: partnerId, jti, expires_at: expiresAt.toISOString() })
      .onConflict((oc) => oc.columns(['partner_id', 'jti']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  });
}
