/**
 * Bearer authentication and scope checks for every non-public route (issue 3 item 3):
 * a missing or bad token answers 401 with WWW-Authenticate (RFC 6750 section 3), a token
 * without the route's scope answers 403 (`insufficient_scope`).
 */
import type { RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import type { Registry, Scope } from '../config/registry-types.js';
import { OutcomeError, outcome } from '../fhir/outcome.js';
import { verifyAccessToken } from './access-token.js';
import { setCaller } from './caller.js';
import type { KeyRing } from './keys.js';

/** Tokens larger than this are refused unread (a JWT we issue is well under 1 KB). */
export const MAX_TOKEN_BYTES = 8192;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
const REALM = 'realm="homeward"';

function challenge(
  status: 401 | 403,
  error: string | undefined,
  description: string,
  scope?: Scope,
): OutcomeError {
  const parts = [REALM];
  if (error) parts.push(`error="${error}"`, `error_description="${description}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return new OutcomeError(
    status,
    outcome([{ code: status === 401 ? 'login' : 'forbidden', diagnostics: description }]),
    { 'www-authenticate': `Bearer ${parts.join(', ')}` },
  );
}

export interface BearerDeps {
  keys: KeyRing;
  registry: Registry;
  clock: Clock;
  settings: { publicUrl: string };
}

/** Authenticate the request and require `scope`; sets the caller for the handlers. */
export function requireScope(deps: BearerDeps, scope: Scope): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      next(challenge(401, undefined, 'Authentication required: send an access token from POST /oauth/token'));
      return;
    }
    if (header.length > MAX_TOKEN_BYTES + 7) {
      next(challenge(401, 'invalid_token', 'Access token is too large'));
      return;
    }
    const m = BEARER.exec(header);
    if (!m?.[1]) {
      next(challenge(401, 'invalid_request', 'Authorization header must be "Bearer <access token>"'));
      return;
    }
    let claims: Awaited<ReturnType<typeof verifyAccessToken>>;
    try {
      claims = await verifyAccessToken(m[1], {
        keys: deps.keys,
        issuer: deps.settings.publicUrl,
        now: deps.clock.now(),
      });
    } catch {
      next(challenge(401, 'invalid_token', 'Access token is invalid or expired'));
      return;
    }
    // A partner removed from the registry loses access at once, whatever its tokens say.
    if (!deps.registry.partner(claims.partnerId)) {
      next(challenge(401, 'invalid_token', 'Access token is for an unknown partner'));
      return;
    }
    if (!claims.scopes.includes(scope)) {
      next(challenge(403, 'insufficient_scope', `This route requires scope ${scope}`, scope));
      return;
    }
    setCaller(req, { partnerId: claims.partnerId, scopes: claims.scopes, tokenId: claims.tokenId });
    next();
  };
}
