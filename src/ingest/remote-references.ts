/**
 * Fetching what a message refers to but does not carry, from the sender's own FHIR server
 * (issue 4 item 4). What it means for the answer:
 *  - the server says 404/410, or returns another type: the reference does not resolve -> 422;
 *  - the server cannot be reached, refuses the gateway's credentials or fails (5xx, bad body)
 *    after retries -> 502 Bad Gateway;
 *  - every failure was a timeout (per attempt, or the overall deadline) -> 504 Gateway Timeout.
 * 502/504 are not the sender's fault, so nothing is stored and the trust may simply retry the same
 * message (the idempotency key makes that safe). References inside fetched resources are not followed.
 */
import type { Partner } from '../config/registry-types.js';
import { type Issue, OutcomeError, outcome } from '../fhir/outcome.js';
import type { RemoteRead, TrustFhir } from '../fhir/trust-fhir.js';
import { issues } from './issues.js';
import { type Entry, entryOf, isObject } from './message.js';
import type { RemoteCandidate } from './references.js';

export interface RemoteContext {
  partner: Partner;
  trustFhir: TrustFhir;
  /** Upper bound on all fetching for one message. */
  deadlineMs: number;
  /** Fetches in flight at once, so one message cannot flood a trust's server. */
  concurrency?: number;
  onFailure?: (failure: { partner: string; type: string; failure: string; status?: number }) => void;
}

export const REMOTE_DEADLINE_MS = 10_000;

async function readAll(candidates: readonly RemoteCandidate[], ctx: RemoteContext): Promise<RemoteRead[]> {
  const signal = AbortSignal.timeout(ctx.deadlineMs);
  const results: RemoteRead[] = new Array(candidates.length);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const i = next++;
      const c = candidates[i] as RemoteCandidate;
      results[i] = await ctx.trustFhir.read(ctx.partner, c.type, c.id, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency ?? 4, candidates.length) }, worker));
  return results;
}

const REASONS: Record<string, string> = {
  unreachable: 'the server could not be reached',
  'server-error': 'the server failed',
  refused: "the server refused the gateway's credentials",
  'bad-response': 'the server did not return a FHIR resource',
};

/** Fetched entries and the issues that make the message invalid; throws a 502/504 OutcomeError. */
export async function fetchRemote(
  candidates: readonly RemoteCandidate[],
  ctx: RemoteContext,
): Promise<{ fetched: Entry[]; issues: Issue[] }> {
  const results = await readAll(candidates, ctx);
  const fetched: Entry[] = [];
  const invalid: Issue[] = [];
  const unavailable: Issue[] = [];
  let allTimeouts = true;
  results.forEach((r, i) => {
    const c = candidates[i] as RemoteCandidate;
    const at = `${c.expression}.reference`;
    if (r.kind === 'not-found') invalid.push(issues.remoteNotFound(at, r.status));
    // The sender's reference, not the server, is at fault: 422 like any malformed reference.
    if (r.kind === 'failed' && r.failure === 'unsafe-path')
      invalid.push(issues.unresolvedReference(at, 'malformed'));
    if (r.kind === 'failed' && r.failure !== 'unsafe-path') {
      ctx.onFailure?.({
        partner: ctx.partner.id,
        type: c.type,
        failure: r.failure,
        ...(r.status ? { status: r.status } : {}),
      });
      if (r.failure !== 'timeout') allTimeouts = false;
      unavailable.push(
        r.failure === 'timeout'
          ? issues.remoteTimeout(at)
          : issues.remoteUnavailable(at, REASONS[r.failure] ?? r.failure),
      );
    }
    if (r.kind !== 'found') return;
    const entry = isObject(r.resource) ? entryOf(r.resource, -1, `${c.expression}.resolve()`) : undefined;
    if (!entry || entry.type !== c.type) invalid.push(issues.remoteWrongType(at, c.type));
    else fetched.push({ ...entry, id: c.id });
  });
  if (unavailable.length > 0) {
    // Server trouble outranks content problems: the sender cannot fix either until it is over.
    throw new OutcomeError(allTimeouts ? 504 : 502, outcome(unavailable));
  }
  return { fetched, issues: invalid };
}
