/**
 * The authenticated caller of a request, set by the bearer middleware (src/auth/bearer.ts).
 * Handlers pass `caller.partnerId` into every query so that isolation lives in the data layer
 * (issue 3 item 4): a query never runs without the partner it runs for.
 */
import type { Request } from 'express';
import type { Scope } from '../config/registry-types.js';

export interface Caller {
  partnerId: string;
  scopes: readonly Scope[];
  /** The access token's jti, for audit correlation. */
  tokenId: string;
}

const CALLER = Symbol('homeward.caller');
type WithCaller = Request & { [CALLER]?: Caller };

export function setCaller(req: Request, caller: Caller): void {
  (req as WithCaller)[CALLER] = caller;
}

/** The caller of an authenticated route. Throws if used on a public route (a programming error). */
export function callerOf(req: Request): Caller {
  const caller = (req as WithCaller)[CALLER];
  if (!caller) throw new Error('callerOf() used on a route without authentication');
  return caller;
}
