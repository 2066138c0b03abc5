/**
 * Per-partner rate limits (issue 3 item 5) with express-rate-limit: fixed one-minute windows,
 * 429 with Retry-After and RateLimit headers. API routes count per authenticated partner; the
 * token endpoint counts per claimed client id and source address (the claim is unverified at
 * that point, so the address is part of the key: a stranger cannot use up a partner's budget
 * from elsewhere), and per source address alone before the body is read, so rotating the
 * unverified `iss` does not buy a fresh budget (issue 17 item 6). Counters live in process
 * memory: each gateway process limits on its own.
 */
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { decodeJwt } from 'jose';
import { callerOf } from '../auth/caller.js';
import { tooManyRequests } from '../fhir/outcome.js';

const WINDOW_MS = 60_000;

function limiter(limit: number, key: (req: Request) => string): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      next(tooManyRequests(seconds));
    },
  });
}

function address(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/** Limits API calls per authenticated partner; must run after the bearer guard. */
export function apiRateLimit(perMinute: number): RequestHandler {
  return limiter(perMinute, (req) => `partner:${callerOf(req).partnerId}`);
}

/**
 * Limits token requests per source address, whoever they claim to be. Needs no body, so it runs
 * before the body is read: a flood from one address is refused unparsed.
 */
export function tokenAddressRateLimit(perMinute: number): RequestHandler {
  return limiter(perMinute, (req) => `token-address:${address(req)}`);
}

/** Limits token requests per (claimed client, address); runs once the form is parsed. */
export function tokenRateLimit(perMinute: number): RequestHandler {
  return limiter(perMinute, (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    let client = 'unknown';
    try {
      const iss =
        typeof body?.client_assertion === 'string' ? decodeJwt(body.client_assertion).iss : undefined;
      if (typeof iss === 'string' && iss.length <= 64) client = iss;
    } catch {
      // Malformed assertions share one bucket per address.
    }
    return `token:${client}:${address(req)}`;
  });
}
