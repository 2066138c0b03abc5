import { webcrypto } from 'node:crypto';
import { importJWK, type JWK } from 'jose';

/**
 * What a recipient does to check a v1a signature: Ed25519 over `id.timestamp.body` with any key
 * of the gateway's published JWKS (independent of the gateway's signing code: webcrypto + jose).
 */
export async function verifyV1a(
  jwks: { keys: JWK[] },
  headers:
    | Readonly<Partial<Record<string, string>>>
    | { [K in 'webhook-id' | 'webhook-timestamp' | 'webhook-signature']: string },
  body: string,
): Promise<boolean> {
  const h = headers as Partial<Record<string, string>>;
  const sigs = (h['webhook-signature'] ?? '')
    .split(' ')
    .filter((s) => s.startsWith('v1a,'))
    .map((s) => Buffer.from(s.slice(4), 'base64'));
  const content = new TextEncoder().encode(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`);
  for (const jwk of jwks.keys) {
    if (jwk.crv !== 'Ed25519') continue;
    const key = (await importJWK(jwk, 'EdDSA')) as webcrypto.CryptoKey;
    for (const sig of sigs) {
      if (await webcrypto.subtle.verify('Ed25519', key, sig, content)) return true;
    }
  }
  return false;
}
