import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANONICAL_KEYS,
  canonicalText,
  entryHash,
  type HashedColumns,
  sha256Hex,
} from '../../src/audit/canonical.js';

const row: HashedColumns = {
  seq: 7,
  at: '2026-11-23T10:00:07.000Z',
  action: 'disclosed',
  actor: 'north-coast-trust',
  recipient: 'homegroup-discharge',
  referral_id: 'ref-1',
  event_id: null,
  agreement_id: 'dsa-x',
  agreement_version: '2',
  agreement_sha256: 'a'.repeat(64),
  consent_refs: '[{"reference":"Consent/c1","versionId":"2"}]',
  lawful_basis: '6(1)(e) "public task"',
  purpose: 'hospital-discharge-housing-support',
  fields: '["name"]',
  payload_sha256: 'b'.repeat(64),
  subject_hmac: 'c'.repeat(64),
  request_id: 'req-1',
  detail: null,
  prev_hash: 'd'.repeat(64),
};

describe('canonical serialisation (src/audit/README.md, "Hash")', () => {
  it('covers every column but hash, keys sorted', () => {
    expect(CANONICAL_KEYS).toEqual([
      'action',
      'actor',
      'agreement_id',
      'agreement_sha256',
      'agreement_version',
      'at',
      'consent_refs',
      'detail',
      'event_id',
      'fields',
      'lawful_basis',
      'payload_sha256',
      'prev_hash',
      'purpose',
      'recipient',
      'referral_id',
      'request_id',
      'seq',
      'subject_hmac',
    ]);
  });

  it('is compact JSON with stored values verbatim: seq an integer, JSON columns as text, null for absent', () => {
    const text = canonicalText(row);
    expect(text.startsWith('{"action":"disclosed","actor":"north-coast-trust","agreement_id":"dsa-x",')).toBe(
      true,
    );
    expect(text).toContain('"consent_refs":"[{\\"reference\\":\\"Consent/c1\\",\\"versionId\\":\\"2\\"}]"');
    expect(text).toContain('"detail":null,"event_id":null');
    expect(text).toContain('"lawful_basis":"6(1)(e) \\"public task\\""');
    expect(text.endsWith(`"seq":7,"subject_hmac":"${'c'.repeat(64)}"}`)).toBe(true);
    expect(JSON.parse(text)).toEqual(row);
    expect(entryHash(row)).toBe(sha256Hex(text));
  });

  it('hashes seq the same whether the driver returns a number or a string (PostgreSQL bigint)', () => {
    expect(entryHash({ ...row, seq: '7' as unknown as number })).toBe(entryHash(row));
  });

  it('changes the hash when any column changes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CANONICAL_KEYS), fc.string({ maxLength: 20 }), (key, value) => {
        const changed = { ...row, [key]: key === 'seq' ? row.seq + 1 : `${String(row[key])}${value}x` };
        expect(entryHash(changed)).not.toBe(entryHash(row));
      }),
    );
  });
});
