/**
 * Where and with which secret a recipient's webhooks go, checked at start (conventions 6) and
 * again before every send. Only `https://` URLs: a referral holds special category health data
 * (UK GDPR Art. 9) and must be encrypted in transit (NHS England, "Data security and protection
 * toolkit", standard 9). Plain `http://` to the loopback interface is allowed only with
 * ALLOW_INSECURE_LOCAL_WEBHOOKS, which settings refuse in production.
 */
import type { Partner, RegistryProblem } from '../config/registry-types.js';
import type { SecretReader } from '../fhir/trust-credentials.js';
import { literalAddressProblem } from '../net/address-policy.js';
import { toStatusWebhook } from '../outbox/outbox.js';
import { isWebhookSecret } from './webhook-signature.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why `url` may not receive webhooks, or undefined when it may. */
export function webhookUrlProblem(url: string, allowInsecureLocal: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'webhook URL is not a valid URL';
  }
  // Credentials in a URL end up in logs and proxies; recipients authenticate us by signature.
  if (u.username || u.password) return 'webhook URL must not carry credentials';
  if (u.protocol === 'https:') {
    // Private and metadata addresses are refused (address-policy.ts); names are resolved and
    // checked again at every send.
    const address = literalAddressProblem(u, allowInsecureLocal);
    return address ? `webhook ${address}` : undefined;
  }
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) {
    return allowInsecureLocal
      ? undefined
      : 'webhook URL must use https:// (http:// to 127.0.0.1 or localhost needs ALLOW_INSECURE_LOCAL_WEBHOOKS=true, dev only)';
  }
  return 'webhook URL must use https://';
}

export type WebhookSecret = { kind: 'ok'; secret?: string } | { kind: 'problem'; message: string };

/**
 * Where a message goes: the recipient's webhook, or for a `status` message the sending trust's
 * status webhook (signed with v1 and v1a, like any webhook).
 */
export function targetOf(
  partner: Partner,
  kind: string,
): { url: string; secretRef: string; signatures: Array<'v1' | 'v1a'> } | undefined {
  if (toStatusWebhook(kind)) {
    return partner.statusWebhook ? { ...partner.statusWebhook, signatures: ['v1', 'v1a'] } : undefined;
  }
  const d = partner.delivery;
  return d?.mode === 'webhook' ? d : undefined;
}

/** The `whsec_` secret when the target's signatures include v1 (v1a needs none). */
export function webhookSecretOf(partner: Partner, readSecret: SecretReader, status = false): WebhookSecret {
  const d = targetOf(partner, status ? 'status' : 'referral');
  if (!d?.signatures.includes('v1')) return { kind: 'ok' };
  const secret = readSecret(d.secretRef);
  if (secret === undefined) {
    return { kind: 'problem', message: `webhook secret ${d.secretRef} is not set or empty` };
  }
  if (!isWebhookSecret(secret)) {
    return {
      kind: 'problem',
      message: `webhook secret ${d.secretRef} is not a Standard Webhooks secret (whsec_ and base64 of 24 to 64 random bytes)`,
    };
  }
  return { kind: 'ok', secret };
}

/**
 * Every partner URL that cannot work, checked at start and by `homeward config check`: webhook
 * secrets and URLs (webhookProblems), and a `jwksUri` whose host is a private, loopback or
 * link-local IP literal, which would never be fetched (its partner could never get a token).
 * Names are resolved and checked at every fetch (address-policy.ts), not here.
 */
export function partnerUrlProblems(
  partners: Iterable<Partner>,
  readSecret: SecretReader,
  allowInsecureLocal: boolean,
): RegistryProblem[] {
  const all = [...partners];
  const problems = webhookProblems(all, readSecret, allowInsecureLocal);
  for (const p of all) {
    if (!('jwksUri' in p.keys)) continue;
    let u: URL;
    try {
      u = new URL(p.keys.jwksUri);
    } catch {
      problems.push({ file: p.source, path: 'keys.jwksUri', message: 'jwksUri is not a valid URL' });
      continue;
    }
    const address = literalAddressProblem(u, allowInsecureLocal);
    if (address)
      problems.push({
        file: p.source,
        path: 'keys.jwksUri',
        message: `jwksUri ${address}: it is never fetched, so this partner cannot get tokens`,
      });
  }
  return problems;
}

/** Every webhook recipient whose secret or URL would make its deliveries fail. */
export function webhookProblems(
  partners: Iterable<Partner>,
  readSecret: SecretReader,
  allowInsecureLocal: boolean,
): RegistryProblem[] {
  const problems: RegistryProblem[] = [];
  for (const p of partners) {
    for (const [status, at] of [
      [false, 'delivery'],
      [true, 'statusWebhook'],
    ] as const) {
      const d = targetOf(p, status ? 'status' : 'referral');
      if (!d) continue;
      const secret = webhookSecretOf(p, readSecret, status);
      if (secret.kind === 'problem')
        problems.push({ file: p.source, path: `${at}.secretRef`, message: secret.message });
      const url = webhookUrlProblem(d.url, allowInsecureLocal);
      if (url) problems.push({ file: p.source, path: `${at}.url`, message: url });
    }
  }
  return problems;
}
