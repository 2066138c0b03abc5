import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonIterative, canonicalSha256 } from '../../src/fhir/canonical-json.js';

describe('canonical JSON (after RFC 8785)', () => {
  it('sorts members, drops whitespace and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: true, c: null }], é: 'x' })).toBe(
      '{"a":[3,{"c":null,"d":true}],"b":1,"é":"x"}',
    );
  });

  it('sorts by UTF-16 code units, as RFC 8785 section 3.2.3 requires', () => {
    expect(canonicalJson({ '\u20ac': 1, '\ud83d\ude00': 2, a: 3 })).toBe('{"a":3,"€":1,"😀":2}');
  });

  it('serialises numbers as ECMAScript does', () => {
    expect(canonicalJson([1e21, 0.1, -0, 100])).toBe('[1e+21,0.1,0,100]');
  });

  it('hashes the same value written two ways the same, and any change differently', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(JSON.stringify(value, null, 2));
        expect(canonicalSha256(reordered)).toBe(canonicalSha256(value));
        expect(canonicalSha256({ v: value })).not.toBe(canonicalSha256({ v: value, extra: 1 }));
      }),
    );
  });

  it('is the parse of itself (a fixed point)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('copes with hostile nesting without exhausting the stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(canonicalSha256(deep)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson(deep)).toBe(canonicalJsonIterative(deep));
  });

  it('gives exactly the text of the iterative form (the fallback for deep nesting), __proto__ members included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalJsonIterative(value));
      }),
      { numRuns: 2000 },
    );
    const hostile = JSON.parse('{"b":1,"__proto__":{"polluted":true},"a":{"__proto__":[1]}}');
    expect(canonicalJson(hostile)).toBe('{"__proto__":{"polluted":true},"a":{"__proto__":[1]},"b":1}');
    expect(canonicalJsonIterative(hostile)).toBe(canonicalJson(hostile));
    expect(canonicalJson({ b: 1, '10': 2, '9': 3, a: 4 })).toBe('{"10":2,"9":3,"a":4,"b":1}');
  });
});
