/**
 * The gateway's own credentials for a trust's FHIR server (partner `fhirAuth`), never the
 * trust's token to us. Either a static bearer token held in a secret (`secretRef`), or OAuth 2.0
 * client credentials (RFC 6749 section 4.4) at `tokenUrl`, authenticating with HTTP Basic
 * (RFC 6749 section 2.3.1); tokens are cached until shortly before `expires_in`.
 */
import { readFileSync } from 'node:fs';
import type { Partner, RegistryProblem } from '../config/registry-types.js';

/** Reads a `secretRef` (`env:NAME` or `file:path`); undefined when absent or empty. */
export type SecretReader = (ref: string) => string | undefined;

export function secretReader(env: Readonly<Record<string, string | undefined>>): SecretReader {
  return (ref) => {
    if (ref.startsWith('env:')) return env[ref.slice('env:'.length)] || undefined;
    if (!ref.startsWith('file:')) return undefined;
    try {
      return readFileSync(ref.slice('file:'.length), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

/** Every trust whose fhirAuth secret cannot be read, reported at start (conventions 6). */
export function missingTrustSecrets(
  partners: Iterable<Partner>,
  readSecret: SecretReader,
): RegistryProblem[] {
  const problems: RegistryProblem[] = [];
  for (const p of partners) {
    if (p.fhirAuth && readSecret(p.fhirAuth.secretRef) === undefined) {
      problems.push({
        file: p.source,
        path: 'fhirAuth.secretRef',
        message: `secret ${p.fhirAuth.secretRef} is not set or empty (it authenticates the gateway to ${p.fhirBaseUrl ?? 'the trust FHIR server'})`,
      });
    }
  }
  return problems;
}

export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'failed'; failure: 'timeout' | 'unreachable' | 'refused'; status?: number };

export interface TrustCredentials {
  forPartner(partner: Partner, signal: AbortSignal): Promise<Credential>;
  /** Forget a cached token the server refused, so the next call fetches a new one. */
  invalidate(partner: Partner): void;
}

function isTokenResponse(v: unknown): v is { access_token: string; expires_in?: number } {
  return (
    typeof v === 'object' && v !== null && typeof (v as { access_token?: unknown }).access_token === 'string'
  );
}

export function trustCredentials(readSecret: SecretReader, now: () => number): TrustCredentials {
  const cache = new Map<string, { token: string; expiresAt: number }>();

  async function clientCredentials(
    partner: Partner,
    auth: NonNullable<Partner['fhirAuth']>,
    secret: string,
    signal: AbortSignal,
  ): Promise<Credential> {
    const cached = cache.get(partner.id);
    if (cached && cached.expiresAt > now()) return { kind: 'bearer', token: cached.token };
    const basic = Buffer.from(
      `${encodeURIComponent(auth.clientId ?? '')}:${encodeURIComponent(secret)}`,
    ).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    let res: Response;
    try {
      res = await fetch(auth.tokenUrl as string, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal,
      });
    } catch {
      return { kind: 'failed', failure: signal.aborted ? 'timeout' : 'unreachable' };
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok || !isTokenResponse(body)) return { kind: 'failed', failure: 'refused', status: res.status };
    // Renew a minute early so a token never expires between the check and the call.
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 300;
    cache.set(partner.id, { token: body.access_token, expiresAt: now() + Math.max(0, ttl - 60) * 1000 });
    return { kind: 'bearer', token: body.access_token };
  }

  return {
    async forPartner(partner, signal) {
      const auth = partner.fhirAuth;
      if (!auth) return { kind: 'none' };
      const secret = readSecret(auth.secretRef);
      if (secret === undefined) return { kind: 'failed', failure: 'refused' };
      if (!auth.tokenUrl) return { kind: 'bearer', token: secret };
      return clientCredentials(partner, auth, secret, signal);
    },
    invalidate(partner) {
      cache.delete(partner.id);
    },
  };
}
