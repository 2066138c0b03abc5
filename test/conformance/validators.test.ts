/** The conformance checks themselves find what they must (so a green suite is not a vacuous one). */
import { describe, expect, it } from 'vitest';
import { bundleErrors, invariantReport, schemaErrors } from './validators.js';

const UUID = 'urn:uuid:6f1d3c0e-8a52-4b8e-9d47-2c5e1f0a7b93';

describe('the invariant check (fhirpath over the R4 core StructureDefinitions)', () => {
  it('finds ppc-1 on a Consent with neither policy nor policyRule, and not with one', () => {
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    };
    expect(invariantReport(consent).errors.join()).toMatch(/ppc-1/);
    const withRule = { ...consent, policyRule: { text: 'opt in' } };
    expect(invariantReport(withRule).errors.filter((e) => e.includes('ppc-1'))).toEqual([]);
  });

  it('finds data type invariants deep inside a Bundle entry (per-1 on a Period, ext-1 on an Extension)', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: UUID,
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
            period: { start: '2026-12-02', end: '2026-12-01' },
            extension: [
              { url: 'https://x.example/e', valueString: 'a', extension: [{ url: 'b', valueString: 'c' }] },
            ],
          },
        },
      ],
    };
    const errors = invariantReport(bundle).errors.join('\n');
    expect(errors).toMatch(/Bundle\.entry\[0\]\.resource\.period: per-1/);
    expect(errors).toMatch(/Bundle\.entry\[0\]\.resource\.extension\[0\]: ext-1/);
  });
});

describe('the Bundle rules', () => {
  it('refuse a urn:uuid fullUrl that is not a bare UUID and a reference that resolves to nothing', () => {
    const errors = bundleErrors({
      resourceType: 'Bundle',
      type: 'message',
      entry: [
        {
          fullUrl: `${UUID}-header`,
          resource: { resourceType: 'MessageHeader', focus: [{ reference: 'urn:uuid:nope' }] },
        },
        {
          fullUrl: UUID,
          resource: { resourceType: 'Patient', link: [{ other: { reference: 'Patient/x' } }] },
        },
      ],
    });
    expect(errors).toEqual([
      `Bundle.entry[0].fullUrl ${UUID}-header is not a bare RFC 4122 UUID`,
      'Bundle.entry[0].resource.focus[0].reference urn:uuid:nope does not resolve within the Bundle',
      'Bundle.entry[1].resource.link[0].other.reference Patient/x does not resolve within the Bundle',
    ]);
  });
});

describe('the R4 JSON schema', () => {
  it('refuses an unknown element and a resource type that is no R4 one', () => {
    expect(
      schemaErrors({ resourceType: 'Task', status: 'requested', intent: 'order', colour: 'blue' }),
    ).not.toEqual([]);
    expect(schemaErrors({ resourceType: 'Project', name: 'medplum only' })).not.toEqual([]);
    expect(schemaErrors({ resourceType: 'Task', status: 'requested', intent: 'order' })).toEqual([]);
  });
});
