import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, type JWK, SignJWT } from 'jose';

/** The synthetic sample partners' private keys (examples/keys, dev only). */
export function samplePrivateJwk(partnerId: string): JWK {
  return JSON.parse(readFileSync(`examples/keys/${partnerId}.private.jwk.json`, 'utf8')) as JWK;
}

export interface AssertionOptions {
  iss?: string;
  sub?: string;
  aud?: string;
  /** Seconds from `now` (default 240). */
  expIn?: number;
  iatOffset?: number;
  nbfOffset?: number;
  jti?: string;
  kid?: string;
  alg?: string;
  jwk?: JWK;
  now?: Date;
}

/** A client assertion as a partner builds it (SMART Backend Services), signed with jose. */
export async function clientAssertion(
  partnerId: string,
  tokenUrl: string,
  o: AssertionOptions = {},
): Promise<string> {
  const jwk = o.jwk ?? samplePrivateJwk(partnerId);
  const alg = o.alg ?? jwk.alg ?? 'ES256';
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg, kid: o.kid ?? jwk.kid ?? '', typ: 'JWT' })
    .setIssuer(o.iss ?? partnerId)
    .setSubject(o.sub ?? partnerId)
    .setAudience(o.aud ?? tokenUrl)
    .setIssuedAt(now + (o.iatOffset ?? 0))
    .setExpirationTime(now + (o.expIn ?? 240))
    .setJti(o.jti ?? randomUUID());
  if (o.nbfOffset !== undefined) jwt.setNotBefore(now + o.nbfOffset);
  return jwt.sign(await importJWK(jwk, alg));
}

export function tokenForm(
  assertion: string,
  scope = 'system/Bundle.c system/Task.rs',
): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope,
  };
}
