import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANONICAL_KEYS,
  canonicalText,
  canonicalTextOfValues,
  entryHash,
  type HashedColumns,
  sha256Hex,
  stableJson,
} from '../../src/audit/canonical.js';
import { propertyRuns } from '../helpers/property-runs.js';
import { oldCanonicalText } from './tamper-corpus.js';

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

  it('pins the exact canonical bytes and hash of a known entry: keys in code-unit order, every stored chain depends on it', () => {
    // Checked independently: `printf '%s' '<this text>' | sha256sum` (coreutils) gives the same hash.
    const text =
      '{"action":"disclosed","actor":"north-coast-trust","agreement_id":"dsa-x",' +
      `"agreement_sha256":"${'a'.repeat(64)}","agreement_version":"2","at":"2026-11-23T10:00:07.000Z",` +
      '"consent_refs":"[{\\"reference\\":\\"Consent/c1\\",\\"versionId\\":\\"2\\"}]","detail":null,"event_id":null,' +
      '"fields":"[\\"name\\"]","lawful_basis":"6(1)(e) \\"public task\\"",' +
      `"payload_sha256":"${'b'.repeat(64)}","prev_hash":"${'d'.repeat(64)}",` +
      '"purpose":"hospital-discharge-housing-support","recipient":"homegroup-discharge","referral_id":"ref-1",' +
      `"request_id":"req-1","seq":7,"subject_hmac":"${'c'.repeat(64)}"}`;
    expect(canonicalText(row)).toBe(text);
    expect(canonicalTextOfValues(CANONICAL_KEYS.map((k) => row[k]))).toBe(text);
    expect(entryHash(row)).toBe('e746a150b85be639ed15985dff0ae16bb76d9070355495b8a2eaf15c77db06de');
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

describe('canonical text fast path', () => {
  it('is byte-for-byte JSON.stringify for any string, including escapes and lone surrogates', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udc00', 'a', 'é', '\u2028'),
      }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(text, { minLength: CANONICAL_KEYS.length, maxLength: CANONICAL_KEYS.length }),
        (values) => {
          const row = Object.fromEntries(
            CANONICAL_KEYS.map((k, i) => [k, k === 'seq' ? i : values[i]]),
          ) as HashedColumns;
          const expected = oldCanonicalText(row);
          expect(canonicalText(row)).toBe(expected);
          expect(canonicalTextOfValues(CANONICAL_KEYS.map((k) => row[k]))).toBe(expected);
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });
});

describe('stableJson (how detail and consent_refs are stored)', () => {
  it('sorts object keys at every level by code unit, keeps arrays in order, null and strings as they are', () => {
    expect(stableJson({ b: 1, a: { z: null, y: [{ d: 'x', c: 'ab' }, 'q'] }, B: 'é', _: [3, 1] })).toBe(
      '{"B":"é","_":[3,1],"a":{"y":[{"c":"ab","d":"x"},"q"],"z":null},"b":1}',
    );
    expect(stableJson([{ b: 2, a: 1 }])).toBe('[{"a":1,"b":2}]');
    expect(stableJson('text')).toBe('"text"');
    expect(stableJson(null)).toBe('null');
  });
});
