/**
 * Optional payload encryption to the recipient (issue 8 item 2): compact JWE with ECDH-ES key
 * agreement and A256GCM content encryption, to the public key in the partner file. The JWE is
 * sent inside a JSON envelope (`sealFor` in envelope.ts, issue 21 item 4); the signatures cover
 * that envelope, exactly the bytes sent.
 */
import { CompactEncrypt, importJWK, type JWK } from 'jose';

export const JWE_ALG = 'ECDH-ES';
export const JWE_ENC = 'A256GCM';

export async function encryptFor(recipientJwk: JWK, plaintext: string, contentType: string): Promise<string> {
  const key = await importJWK(recipientJwk, JWE_ALG);
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({
      alg: JWE_ALG,
      enc: JWE_ENC,
      cty: contentType,
      ...(recipientJwk.kid ? { kid: recipientJwk.kid } : {}),
    })
    .encrypt(key);
}
