/**
 * ajv errors -> catalogue issues, located in FHIRPath. One issue per distinct (code, location);
 * `if` errors are dropped (the `then` error under them says what is wrong).
 */
import type { ErrorObject } from 'ajv';
import type { Issue } from '../fhir/outcome.js';
import { appendPath, pointerSegments } from './fhirpath.js';
import { issues } from './issues.js';

function description(error: ErrorObject): string | undefined {
  const d = (error.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : undefined;
}

function toIssue(error: ErrorObject, prefix: string, data: unknown): Issue | undefined {
  const segments = pointerSegments(error.instancePath);
  const at = appendPath(prefix, data, segments);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      return undefined;
    case 'required': {
      const missing = String(params.missingProperty);
      return issues.missing(appendPath(prefix, data, [...segments, missing]));
    }
    case 'minItems':
    case 'contains':
      return issues.missing(at, description(error));
    case 'type':
      return issues.wrongType(at, `of JSON type ${String(params.type)}`);
    case 'enum':
      return issues.invalidCode(at, params.allowedValues as unknown[]);
    case 'const':
      return issues.invalidCode(at, [params.allowedValue]);
    case 'format':
      return params.format === 'nhs-number'
        ? issues.invalidNhsNumber(at)
        : issues.invalidValue(at, `a valid ${String(params.format)}`);
    case 'pattern':
      return issues.invalidValue(at, description(error) ?? 'well-formed');
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
      return issues.invalidValue(at, String(error.message));
    default:
      return issues.schemaRule(at, description(error) ?? String(error.message ?? error.keyword));
  }
}

export function schemaIssues(
  errors: readonly ErrorObject[] | null | undefined,
  prefix: string,
  data: unknown,
): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // Errors of the items a `contains` tried are not errors: the one `contains` error says what is missing.
    if (error.schemaPath.includes('/contains/')) continue;
    const issue = toIssue(error, prefix, data);
    if (!issue) continue;
    const key = `${issue.code}\u0000${issue.expression ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
