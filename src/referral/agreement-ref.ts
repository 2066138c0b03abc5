import type { AgreementRef } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import type { ReferralRow } from './referral-store.js';

/** The agreement version a referral was made under, with the hash of its file as loaded. */
export function agreementRefOf(
  registry: Registry,
  r: Pick<ReferralRow, 'agreement_id' | 'agreement_version'>,
): AgreementRef | undefined {
  const a = registry.versions(r.agreement_id ?? '').find((v) => v.version === r.agreement_version);
  return a ? { id: a.id, version: a.version, sha256: a.sha256 } : undefined;
}
