/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme"):
 * the signed content is `${webhook-id}.${webhook-timestamp}.${body}`;
 *  - `v1`: HMAC-SHA256 with the recipient's shared secret (`whsec_<base64>`), computed by the
 *    official `standardwebhooks` package;
 *  - `v1a`: Ed25519 with the gateway's signing key, verifiable with /.well-known/jwks.json.
 * Several signatures are sent space-separated, so a recipient may check whichever it supports.
 */
import { webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { Webhook } from 'standardwebhooks';
import type { WebhookSignature } from '../config/registry-types.js';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  /** Which gateway key made the v1a signature (not part of the standard; helps after rotation). */
  'webhook-key-id'?: string;
}

export interface SigningInput {
  id: string;
  at: Date;
  body: string;
  schemes: readonly WebhookSignature[];
  /** The recipient's `whsec_...` secret, needed for v1. */
  hmacSecret?: string;
  /** The gateway's active Ed25519 key, needed for v1a. */
  ed25519?: { kid: string; privateKey: CryptoKey };
}

export class SigningError extends Error {
  override name = 'SigningError';
}

export async function signWebhook(input: SigningInput): Promise<WebhookHeaders> {
  const timestamp = Math.floor(input.at.getTime() / 1000);
  const signatures: string[] = [];
  let keyId: string | undefined;
  for (const scheme of input.schemes) {
    if (scheme === 'v1') {
      if (!input.hmacSecret) throw new SigningError('v1 signatures need the recipient secret');
      signatures.push(new Webhook(input.hmacSecret).sign(input.id, new Date(timestamp * 1000), input.body));
    } else {
      if (!input.ed25519) throw new SigningError('v1a signatures need the gateway Ed25519 key');
      const content = new TextEncoder().encode(`${input.id}.${timestamp}.${input.body}`);
      const sig = await webcrypto.subtle.sign('Ed25519', input.ed25519.privateKey, content);
      signatures.push(`v1a,${Buffer.from(sig).toString('base64')}`);
      keyId = input.ed25519.kid;
    }
  }
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
    ...(keyId ? { 'webhook-key-id': keyId } : {}),
  };
}

/** A Standard Webhooks secret: `whsec_` and base64 of 24 to 64 random bytes. */
export function isWebhookSecret(value: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!m?.[1]) return false;
  const bytes = Buffer.from(m[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}
