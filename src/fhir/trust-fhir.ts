/**
 * Reading resources from a trust's own FHIR server (partner `fhirBaseUrl`) with fhir-kit-client,
 * for references a message makes but does not carry (R4 section 2.3.0.1: a literal reference
 * is resolved by reading it from its server). Failures are values, not exceptions: the caller
 * decides what each means for the message (src/ingest/remote-references.ts).
 *
 * Each attempt has its own timeout; network errors, timeouts, 429 and 502/503/504 are retried
 * with exponential backoff; the caller's signal bounds the whole thing.
 */
import { Client } from 'fhir-kit-client';
import type { Partner } from '../config/registry-types.js';
import { NHS_NUMBER_SYSTEM } from './systems.js';
import type { TrustCredentials } from './trust-credentials.js';

export type RemoteFailure =
  | 'timeout'
  | 'unreachable'
  | 'server-error'
  | 'refused'
  | 'bad-response'
  /** `type/id` would not stay a plain `Type/id` path under the base: never sent. */
  | 'unsafe-path';

export type RemoteRead =
  | { kind: 'found'; resource: Readonly<Record<string, unknown>> }
  | { kind: 'not-found'; status: number }
  | { kind: 'failed'; failure: RemoteFailure; status?: number };

export type RemoteSearch =
  | { kind: 'found'; resources: ReadonlyArray<Readonly<Record<string, unknown>>> }
  | { kind: 'failed'; failure: RemoteFailure; status?: number };

export interface TrustFhir {
  read(partner: Partner, type: string, id: string, signal: AbortSignal): Promise<RemoteRead>;
  /**
   * The person's active Consents on the trust's server (issue 6 item 3):
   * `Consent?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|<n>&status=active`.
   */
  searchConsents(partner: Partner, nhsNumber: string, signal: AbortSignal): Promise<RemoteSearch>;
}

export interface TrustFhirOptions {
  credentials: TrustCredentials;
  /** Per attempt. */
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
}

export const TRUST_FHIR_DEFAULTS = { timeoutMs: 3000, attempts: 3, backoffMs: 200 } as const;

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * True when `<base>/<type>/<id>` is still exactly that path once a URL parser has normalised it
 * (dot segments removed, RFC 3986 section 5.2.4; WHATWG URL does the same to `%2e`): a read must
 * reach `Type/id` under the trust's base and nowhere else, since it carries the trust's credentials.
 */
export function isPlainReadPath(baseUrl: string, type: string, id: string): boolean {
  if (!RESOURCE_TYPE.test(type) || !FHIR_ID.test(id) || /^\.+$/.test(id)) return false;
  try {
    const base = new URL(baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    const target = new URL(`${baseUrl.replace(/\/+$/, '')}/${type}/${id}`);
    return target.origin === base.origin && target.pathname === `${basePath}/${type}/${id}` && !target.search;
  } catch {
    return false;
  }
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

function classify(err: unknown, attemptSignal: AbortSignal): RemoteRead {
  const status = statusOf(err);
  if (status === undefined)
    return { kind: 'failed', failure: attemptSignal.aborted ? 'timeout' : 'unreachable' };
  if (status === 404 || status === 410) return { kind: 'not-found', status };
  if (status === 401 || status === 403) return { kind: 'failed', failure: 'refused', status };
  if (status >= 500 || status === 429) return { kind: 'failed', failure: 'server-error', status };
  // 2xx with a body that is not JSON, or another 4xx: the server did not give a resource.
  return { kind: 'failed', failure: 'bad-response', status };
}

const retryable = (r: RemoteRead) =>
  r.kind === 'failed' &&
  (r.failure === 'timeout' ||
    r.failure === 'unreachable' ||
    (r.failure === 'server-error' && RETRYABLE_STATUS.has(r.status ?? 0)));

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

export function trustFhir(options: TrustFhirOptions): TrustFhir {
  const { credentials } = options;
  const timeoutMs = options.timeoutMs ?? TRUST_FHIR_DEFAULTS.timeoutMs;
  const attempts = options.attempts ?? TRUST_FHIR_DEFAULTS.attempts;
  const backoffMs = options.backoffMs ?? TRUST_FHIR_DEFAULTS.backoffMs;
  const clients = new Map<string, Client>();

  function clientFor(partner: Partner, baseUrl: string): Client {
    const key = `${partner.id} ${baseUrl}`;
    let client = clients.get(key);
    if (!client) {
      client = new Client({ baseUrl });
      clients.set(key, client);
    }
    return client;
  }

  type Operation = (
    client: Client,
    options: { headers: Record<string, string>; signal: AbortSignal },
  ) => Promise<unknown>;

  async function attempt(partner: Partner, operation: Operation, signal: AbortSignal): Promise<RemoteRead> {
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const credential = await credentials.forPartner(partner, attemptSignal);
    if (credential.kind === 'failed')
      return { kind: 'failed', failure: credential.failure, status: credential.status };
    const headers: Record<string, string> =
      credential.kind === 'bearer' ? { authorization: `Bearer ${credential.token}` } : {};
    try {
      const client = clientFor(partner, partner.fhirBaseUrl as string);
      const resource = (await operation(client, { headers, signal: attemptSignal })) as Record<
        string,
        unknown
      >;
      return { kind: 'found', resource: { ...resource } };
    } catch (err) {
      const result = classify(err, attemptSignal);
      // A refused cached token may simply have been revoked early: fetch a new one next time.
      if (result.kind === 'failed' && result.failure === 'refused') credentials.invalidate(partner);
      return result;
    }
  }

  async function withRetries(
    partner: Partner,
    operation: Operation,
    signal: AbortSignal,
  ): Promise<RemoteRead> {
    if (!partner.fhirBaseUrl) return { kind: 'failed', failure: 'unreachable' };
    let result: RemoteRead = { kind: 'failed', failure: 'unreachable' };
    for (let n = 1; n <= attempts; n++) {
      result = await attempt(partner, operation, signal);
      if (!retryable(result) || n === attempts || signal.aborted) break;
      await pause(backoffMs * 2 ** (n - 1), signal);
    }
    return result;
  }

  return {
    read: async (partner, type, id, signal) => {
      if (partner.fhirBaseUrl && !isPlainReadPath(partner.fhirBaseUrl, type, id))
        return { kind: 'failed', failure: 'unsafe-path' };
      return withRetries(
        partner,
        (client, options) => client.read({ resourceType: type, id, options }),
        signal,
      );
    },
    async searchConsents(partner, nhsNumber, signal) {
      const searchParams = {
        'patient:identifier': `${NHS_NUMBER_SYSTEM}|${nhsNumber}`,
        status: 'active',
        _count: '100',
      };
      const result = await withRetries(
        partner,
        (client, options) => client.search({ resourceType: 'Consent', searchParams, options }),
        signal,
      );
      if (result.kind === 'not-found') return { kind: 'found', resources: [] };
      if (result.kind === 'failed') return result;
      const bundle = result.resource as {
        resourceType?: unknown;
        entry?: Array<{ resource?: Record<string, unknown> }>;
      };
      if (bundle.resourceType !== 'Bundle') return { kind: 'failed', failure: 'bad-response' };
      return {
        kind: 'found',
        resources: (bundle.entry ?? []).flatMap((e) =>
          e.resource?.resourceType === 'Consent' ? [e.resource] : [],
        ),
      };
    },
  };
}
