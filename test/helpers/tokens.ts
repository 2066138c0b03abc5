import { issueAccessToken } from '../../src/auth/access-token.js';
import type { Scope } from '../../src/config/registry-types.js';
import type { Deps } from '../../src/deps.js';

/**
 * An `Authorization` header value for `partnerId` with `scopes`, minted directly with the
 * gateway key (the token endpoint itself is tested in test/auth/). Defaults to the partner's
 * registered scopes.
 */
export async function bearer(deps: Deps, partnerId: string, scopes?: Scope[]): Promise<string> {
  const granted = scopes ?? deps.registry.partner(partnerId)?.scopes ?? [];
  const { token } = await issueAccessToken(partnerId, granted, {
    keys: deps.keys,
    issuer: deps.settings.publicUrl,
    ttlSeconds: deps.settings.accessTokenTtlSeconds,
    now: deps.clock.now(),
  });
  return `Bearer ${token}`;
}
