import { describe, expect, it } from 'vitest';
import { nameUuid } from '../../src/fhir/name-uuid.js';

describe('name-based UUIDs (RFC 4122 section 4.3, version 5)', () => {
  it('match the known value for the DNS namespace and www.example.com', () => {
    // The DNS namespace of RFC 4122 Appendix C; the value other implementations (e.g. Python's uuid5) give.
    expect(nameUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('are stable per name and differ between names', () => {
    expect(nameUuid('r-1/patient')).toBe(nameUuid('r-1/patient'));
    expect(nameUuid('r-1/patient')).not.toBe(nameUuid('r-1/header'));
    expect(nameUuid('r-1/patient')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
