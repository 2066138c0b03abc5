/**
 * Name-based UUIDs (RFC 4122 section 4.3, version 5, SHA-1) for the entries of a Bundle the
 * gateway builds from one referral: R4's `uuid` type (datatypes.html#uuid) is a bare RFC 4122
 * UUID after `urn:uuid:`, so a fullUrl cannot be `urn:uuid:<id>-patient`. The same referral and
 * part name always give the same UUID, so a re-sent message keeps its fullUrls.
 */
import { createHash } from 'node:crypto';

/** The gateway's namespace for its name-based UUIDs (a random v4 UUID, fixed once). */
export const HOMEWARD_UUID_NAMESPACE = '6f1d3c0e-8a52-4b8e-9d47-2c5e1f0a7b93';

const bytesOf = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');

export function nameUuid(name: string, namespace: string = HOMEWARD_UUID_NAMESPACE): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50; // version 5
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // variant 10xx (RFC 4122)
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
