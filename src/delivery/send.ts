/**
 * One webhook attempt: POST the exact stored bytes with the Standard Webhooks headers, never
 * following redirects, within a time limit, and classify what came back (retry-policy.ts).
 * No body is read or kept from the answer: only its status and `Retry-After`.
 */

import type { Dispatcher } from 'undici';
import { type AttemptResult, classifyStatus, parseRetryAfter } from './retry-policy.js';
import type { WebhookHeaders } from './webhook-signature.js';

export interface WebhookRequest {
  url: string;
  /** The exact bytes the signatures cover (JSON: an encrypted body is the JWE in its JSON envelope). */
  body: string;
  contentType: string;
  headers: WebhookHeaders;
  requestId: string;
  /** The causing event's correlation id, sent as X-Correlation-Id (issue 17 item 9). */
  correlationId?: string;
  timeoutMs: number;
  now: Date;
  /**
   * The HTTP client to connect with (address-policy.ts guardedDispatcher: connections only to
   * permitted addresses). Passed to fetch as `dispatcher` (Node's fetch is undici's).
   */
  dispatcher?: Dispatcher;
}

export type Fetch = typeof fetch;

/** The error class of a failed fetch, without its message (which may echo URLs or bodies). */
function errorClass(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  // Refused at connect (a name that now resolves to a non-public address): say so, not "network".
  if (code === 'EADDRREFUSED') return 'refused: resolves to a non-public address';
  return code ? `network:${code}` : 'network';
}

export async function postWebhook(req: WebhookRequest, fetchImpl: Fetch = fetch): Promise<AttemptResult> {
  let res: Response;
  try {
    res = await fetchImpl(req.url, {
      method: 'POST',
      headers: {
        ...req.headers,
        'content-type': req.contentType,
        'x-request-id': req.requestId,
        ...(req.correlationId ? { 'x-correlation-id': req.correlationId } : {}),
      },
      body: req.body,
      // A redirect is answered as what it is (Fetch Standard, "manual" redirect mode): a 3xx to
      // classify, never followed to a host the recipient's partner file does not name.
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    } as RequestInit);
  } catch (err) {
    return { kind: 'retry', error: errorClass(err) };
  }
  // Free the connection; the recipient's answer body is not ours to keep.
  await res.body?.cancel().catch(() => undefined);
  const status = res.status;
  switch (classifyStatus(status)) {
    case 'delivered':
      return { kind: 'delivered', status };
    case 'retry': {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), req.now);
      return {
        kind: 'retry',
        status,
        error: `HTTP ${status}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    case 'failed':
      return {
        kind: 'failed',
        status,
        error: status >= 300 && status < 400 ? `HTTP ${status}: redirect not followed` : `HTTP ${status}`,
      };
  }
}
