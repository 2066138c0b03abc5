/**
 * Can the gateway still fetch each partner's published keys (issue 10 item 4)? A partner whose
 * `jwksUri` stops answering cannot authenticate once the gateway's cached copy expires
 * (src/auth/partner-keys.ts), so the operator should hear about it before the partner does.
 * Checked at start and daily, in the background: a partner's server never delays the start.
 */
import type { Registry } from '../config/registry-types.js';
import { guardedDispatcher, type Lookup, resolvedAddressProblem } from '../net/address-policy.js';

export interface JwksCheck {
  partner: string;
  reachable: boolean;
  /** Why not, in a few words (status, timeout, network error); never a response body. */
  problem?: string;
}

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

async function checkOne(url: string, fetchFn: Fetch, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetchFn(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return `HTTP ${res.status}`;
    const body: unknown = await res.json();
    const keys = (body as { keys?: unknown } | null)?.keys;
    return Array.isArray(keys) && keys.length > 0 ? undefined : 'answer holds no keys';
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: unknown } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    if (e.name === 'SyntaxError') return 'answer is not JSON';
    return `network error${typeof e.cause?.code === 'string' ? `: ${e.cause.code}` : ''}`;
  }
}

/** One check per partner registered with a `jwksUri` (inline keys need none). */
export async function checkPartnerJwks(
  registry: Registry,
  opts: { fetch?: Fetch; timeoutMs?: number; allowLoopback?: boolean; lookup?: Lookup } = {},
): Promise<JwksCheck[]> {
  // By default through the guarded dispatcher: the address connected to is the one checked.
  const dispatcher = guardedDispatcher(opts.allowLoopback ?? false, opts.lookup);
  const fetchFn: Fetch = opts.fetch ?? ((url, init) => fetch(url, { ...init, dispatcher } as RequestInit));
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const remote = [...registry.partners.values()].flatMap((p) =>
    'jwksUri' in p.keys ? [{ id: p.id, url: p.keys.jwksUri }] : [],
  );
  return Promise.all(
    remote.map(async ({ id, url }) => {
      // Never fetched when it leads to an internal address (SSRF, as in src/auth/partner-keys.ts).
      const refused = await resolvedAddressProblem(url, opts.allowLoopback ?? false, opts.lookup);
      const problem = refused ?? (await checkOne(url, fetchFn, timeoutMs));
      return problem ? { partner: id, reachable: false, problem } : { partner: id, reachable: true };
    }),
  );
}
