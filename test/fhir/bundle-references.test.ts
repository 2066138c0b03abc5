import { describe, expect, it } from 'vitest';
import { type IndexedEntry, indexBundle, parseReference } from '../../src/fhir/bundle-references.js';

const entry = (index: number, type: string, id?: string, fullUrl?: string, extra = {}): IndexedEntry => ({
  index,
  type,
  resource: { resourceType: type, ...(id ? { id } : {}), ...extra },
  ...(id ? { id } : {}),
  ...(fullUrl ? { fullUrl } : {}),
});

const patientUrn = entry(1, 'Patient', 'p1', 'urn:uuid:7d1c5c1e-0000-4000-8000-000000000001');
const encounterRest = entry(2, 'Encounter', 'e1', 'https://fhir.trust.example/R4/Encounter/e1', {
  contained: [{ resourceType: 'Location', id: 'ward' }],
});
const orgRest = entry(3, 'Organization', 'o1', 'https://fhir.trust.example/R4/Organization/o1');
const index = indexBundle([patientUrn, encounterRest, orgRest]);

describe('parseReference (R4 section 2.3.0.1)', () => {
  it.each([
    ['#ward', { kind: 'contained', id: 'ward' }],
    ['urn:uuid:7d1c5c1e-0000-4000-8000-000000000001', { kind: 'urn' }],
    ['Patient/p1', { kind: 'relative', type: 'Patient', id: 'p1' }],
    ['Patient/p1/_history/3', { kind: 'relative', type: 'Patient', id: 'p1' }],
    [
      'https://fhir.trust.example/R4/Patient/p1/_history/2',
      { kind: 'absolute', base: 'https://fhir.trust.example/R4', type: 'Patient', id: 'p1' },
    ],
    ['https://example.org/some/thing', { kind: 'absolute' }],
    ['patient/p1', { kind: 'invalid' }],
    ['Patient/', { kind: 'invalid' }],
    ['', { kind: 'invalid' }],
  ])('%s', (ref, expected) => {
    expect(parseReference(ref)).toMatchObject(expected);
  });
});

describe('resolving references within a bundle (R4 section 2.36.4.1)', () => {
  it('matches urn:uuid and absolute references to fullUrl', () => {
    expect(index.resolve('urn:uuid:7d1c5c1e-0000-4000-8000-000000000001', orgRest)).toEqual({
      kind: 'entry',
      entry: patientUrn,
    });
    expect(index.resolve('https://fhir.trust.example/R4/Organization/o1', patientUrn)).toEqual({
      kind: 'entry',
      entry: orgRest,
    });
  });

  it('resolves Type/id against the base of the referring RESTful fullUrl', () => {
    expect(index.resolve('Organization/o1', encounterRest)).toEqual({ kind: 'entry', entry: orgRest });
  });

  it('resolves Type/id leniently by resource type and id when only one entry matches', () => {
    expect(index.resolve('Patient/p1', encounterRest)).toEqual({ kind: 'entry', entry: patientUrn });
  });

  it('resolves #id into the referring resource’s contained resources only', () => {
    expect(index.resolve('#ward', encounterRest)).toEqual({ kind: 'contained' });
    expect(index.resolve('#ward', patientUrn)).toEqual({ kind: 'unresolved', why: 'not-contained' });
    expect(index.resolve('#', patientUrn)).toEqual({ kind: 'contained' });
  });

  it('sends what is not in the bundle to the sender’s server when it has one', () => {
    expect(index.resolve('Practitioner/x9', patientUrn, 'https://fhir.trust.example/R4')).toEqual({
      kind: 'remote',
      type: 'Practitioner',
      id: 'x9',
    });
    expect(
      index.resolve(
        'https://fhir.trust.example/R4/Practitioner/x9',
        patientUrn,
        'https://fhir.trust.example/R4/',
      ),
    ).toEqual({
      kind: 'remote',
      type: 'Practitioner',
      id: 'x9',
    });
  });

  it('never fetches urn:uuid references, nor absolute ones on another server', () => {
    const base = 'https://fhir.trust.example/R4';
    expect(index.resolve('urn:uuid:00000000-0000-4000-8000-00000000dead', patientUrn, base)).toEqual({
      kind: 'unresolved',
      why: 'no-entry',
    });
    expect(index.resolve('https://elsewhere.example/R4/Patient/p1', patientUrn, base)).toEqual({
      kind: 'unresolved',
      why: 'no-entry',
    });
  });

  it('reports a Type/id with no server to ask, an ambiguous one and a malformed one', () => {
    expect(index.resolve('Practitioner/x9', patientUrn)).toEqual({ kind: 'unresolved', why: 'no-server' });
    const twice = indexBundle([
      entry(1, 'Patient', 'p1', 'urn:uuid:a'),
      entry(2, 'Patient', 'p1', 'urn:uuid:b'),
    ]);
    expect(twice.resolve('Patient/p1', patientUrn)).toEqual({ kind: 'unresolved', why: 'ambiguous' });
    expect(index.resolve('not a reference', patientUrn)).toEqual({ kind: 'unresolved', why: 'malformed' });
  });
});
