import { ASSERTION_ALGORITHMS } from '../auth/client-assertion.js';
import { requestToken, SUPPORTED_SCOPES, tokenUrl } from '../auth/token.js';
import type { Deps } from '../deps.js';
import { tokenAddressRateLimit, tokenRateLimit } from './rate-limit.js';
import type { RouteSpec } from './routes.js';

/** The SMART Backend Services token endpoint and its discovery document (issue 3). */
export function authRoutes(deps: Deps): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/oauth/token',
      scope: 'public',
      beforeBody: [tokenAddressRateLimit(deps.settings.tokenRateLimitPerAddressPerMinute)],
      handlers: [
        tokenRateLimit(deps.settings.tokenRateLimitPerMinute),
        async (req, res) => {
          const form = req.is('application/x-www-form-urlencoded')
            ? (req.body as Record<string, unknown>)
            : {};
          const answer = await requestToken(form ?? {}, deps);
          // RFC 6749 section 5.1: token responses must not be cached.
          res.setHeader('cache-control', 'no-store');
          res.setHeader('pragma', 'no-cache');
          if (!answer.ok && answer.status === 401)
            res.setHeader('www-authenticate', 'Bearer realm="homeward"');
          res.status(answer.ok ? 200 : answer.status).json(answer.body);
          if (answer.ok) deps.metrics.tokensIssued.inc({ partner: answer.partnerId });
          else deps.metrics.tokenFailures.inc({ error: answer.body.error });
          if (!answer.ok)
            req.log.info({ partner: answer.partnerId, error: answer.body.error }, 'token refused');
        },
      ],
    },
    {
      method: 'get',
      path: '/.well-known/smart-configuration',
      scope: 'public',
      handlers: [
        (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          res.json({
            issuer: deps.settings.publicUrl,
            jwks_uri: `${deps.settings.publicUrl}/.well-known/jwks.json`,
            token_endpoint: tokenUrl(deps.settings.publicUrl),
            token_endpoint_auth_methods_supported: ['private_key_jwt'],
            token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
            grant_types_supported: ['client_credentials'],
            scopes_supported: [...SUPPORTED_SCOPES],
            capabilities: ['client-confidential-asymmetric'],
          });
        },
      ],
    },
  ];
}
