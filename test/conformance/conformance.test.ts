/**
 * Issue 21 item 1: every resource the gateway emits, produced by the real app (emitted.ts), is
 * valid three ways (the R4 JSON schema, @medplum/core, every R4 core invariant) and its Bundles'
 * fullUrls and references follow the rules (validators.ts). Zero errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Emitted, emitted } from './emitted.js';
import { conformanceErrors, invariantCount } from './validators.js';

let items: Emitted[] = [];
let unresolved: string[] = [];
beforeAll(async () => {
  ({ items, unresolved } = await emitted());
}, 120_000);

const kinds = (type: string) =>
  items.filter(
    (i) =>
      i.resource.resourceType === type ||
      ((i.resource.entry as Array<{ resource: { resourceType: string } }> | undefined) ?? []).some(
        (e) => e.resource.resourceType === type,
      ),
  ).length;

describe('what the gateway emits', () => {
  it('covers every kind of resource it emits', () => {
    expect(invariantCount()).toBeGreaterThan(1000);
    for (const type of [
      'CapabilityStatement',
      'MessageDefinition',
      'CodeSystem',
      'ValueSet',
      'MessageHeader',
      'Task',
      'OperationOutcome',
      'ServiceRequest',
      'Consent',
      'Communication',
      'AuditEvent',
    ])
      expect(kinds(type), type).toBeGreaterThan(0);
  });

  it('is valid R4 three ways, with bare urn:uuid fullUrls and references that resolve', () => {
    const problems = items.flatMap((i) => conformanceErrors(i.resource).map((e) => `${i.source}: ${e}`));
    expect(problems).toEqual([]);
  });

  it("references from search results to the server's own resources can be read there", () => {
    expect(unresolved).toEqual([]);
  });
});
