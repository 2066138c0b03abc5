import { authorizationServerMetadata, smartConfiguration } from '../auth/discovery.js';
import { requestToken } from '../auth/token.js';
import type { Deps } from '../deps.js';
import { tokenAddressRateLimit, tokenRateLimit } from './rate-limit.js';
import type { RouteSpec } from './routes.js';

/** A public discovery document (issue 21 item 3), read by clients before they have a token. */
function discovery(path: string, document: () => object): RouteSpec {
  return {
    method: 'get',
    path,
    scope: 'public',
    handlers: [
      (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        res.json(document());
      },
    ],
  };
}

/** The SMART Backend Services token endpoint (issue 3) and its discovery documents (issue 21 item 3). */
export function authRoutes(deps: Deps): RouteSpec[] {
  const publicUrl = () => deps.settings.publicUrl;
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
          // No WWW-Authenticate on a 401 invalid_client: RFC 6749 section 5.2 asks for a challenge
          // only when the client authenticated with the Authorization header, which private_key_jwt
          // never does, and a Bearer challenge here makes OAuth clients (openid-client) report the
          // challenge instead of the error and its description (issue 21 item 3).
          res.status(answer.ok ? 200 : answer.status).json(answer.body);
          if (answer.ok) deps.metrics.tokensIssued.inc({ partner: answer.partnerId });
          else deps.metrics.tokenFailures.inc({ error: answer.body.error });
          if (!answer.ok)
            req.log.info({ partner: answer.partnerId, error: answer.body.error }, 'token refused');
        },
      ],
    },
    discovery('/.well-known/smart-configuration', () => smartConfiguration(publicUrl())),
    // SMART clients look the configuration up at the FHIR base the CapabilityStatement names.
    discovery('/fhir/.well-known/smart-configuration', () => smartConfiguration(publicUrl())),
    discovery('/.well-known/oauth-authorization-server', () => authorizationServerMetadata(publicUrl())),
  ];
}
