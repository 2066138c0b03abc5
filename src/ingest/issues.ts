/**
 * Every issue the intake can report, from one catalogue of named factories (conventions 5).
 * Each carries an OperationOutcome issue type (R4 valueset-issue-type) and a FHIRPath location;
 * tests assert code and expression, never wording. Diagnostics never echo submitted values, so
 * an NHS number or a name cannot travel into logs or support tickets through an error.
 */
import type { UnresolvedWhy } from '../fhir/bundle-references.js';
import type { Issue } from '../fhir/outcome.js';

const UNRESOLVED: Record<UnresolvedWhy, string> = {
  'no-entry': "No entry of the message has this fullUrl, and it is not on the sender's own FHIR server",
  'no-server':
    'Not in the message, and the sender has no FHIR server (fhirBaseUrl) the gateway may read it from',
  'not-contained': 'Reference to a contained resource that is not there',
  malformed: 'Not a literal reference (#id, urn:uuid:..., Type/id or an absolute URL)',
  ambiguous: 'Reference matches more than one entry of the message',
};

const err = (code: Issue['code'], expression: string, diagnostics: string): Issue => ({
  severity: 'error',
  code,
  expression,
  diagnostics,
});

export const issues = {
  // The envelope (R4 section 2.4, Messaging; Bundle invariants).
  notAnObject: () =>
    err('structure', 'Bundle', 'The body must be a JSON object: a FHIR Bundle of type message'),
  notABundle: (resourceType: string) =>
    err('structure', resourceType, `$process-message takes a Bundle of type message, not a ${resourceType}`),
  tooDeep: (limit: number) =>
    err('too-costly', 'Bundle', `The message is nested more than ${limit} levels deep`),
  tooManyEntries: (limit: number) =>
    err('too-costly', 'Bundle.entry', `The message has more than ${limit} entries`),
  headerNotFirst: (expression: string) =>
    err(
      'structure',
      expression,
      'The first entry of a message must be its MessageHeader (R4 Bundle invariant bdl-12)',
    ),
  duplicateFullUrl: (expression: string, first: string) =>
    err('invariant', expression, `fullUrl repeats the one of ${first}: fullUrls must be unique (R4 bdl-7)`),

  // Shapes, from the JSON Schemas in profiles/ (see schema-issues.ts).
  missing: (expression: string, hint?: string) =>
    err(
      'required',
      expression,
      hint ? `Required: ${hint}` : `${expression.split('.').pop() ?? 'This element'} is required`,
    ),
  wrongType: (expression: string, expected: string) => err('structure', expression, `Must be ${expected}`),
  invalidCode: (expression: string, allowed: readonly unknown[]) =>
    err('code-invalid', expression, `Must be one of: ${allowed.map(String).join(', ')}`),
  invalidValue: (expression: string, expected: string) => err('value', expression, `Must be ${expected}`),
  invalidNhsNumber: (expression: string) =>
    err(
      'value',
      expression,
      'Not a valid NHS number: ten digits with a Modulus 11 check digit (NHS Data Dictionary)',
    ),
  schemaRule: (expression: string, message: string) => err('invalid', expression, message),

  // References (R4 section 2.36.4.1).
  unresolvedReference: (expression: string, why: UnresolvedWhy) =>
    err('not-found', expression, UNRESOLVED[why]),
  remoteNotFound: (expression: string, status: number) =>
    err('not-found', expression, `Not in the message, and the trust FHIR server answered ${status} for it`),
  remoteWrongType: (expression: string, expected: string) =>
    err(
      'not-found',
      expression,
      `The trust FHIR server returned something other than the ${expected} referenced`,
    ),
  /** A warning, not an error: the message is accepted (issue 17 item 3). */
  unusedReferenceAbsent: (expression: string, type: string | undefined) =>
    ({
      severity: 'warning',
      code: 'not-found',
      expression,
      diagnostics: `Not in the message: the gateway does not use ${type ? `a ${type}` : 'what this element refers to'}, so it was neither read nor checked`,
    }) satisfies Issue,
  tooManyRemote: (expression: string, limit: number) =>
    err('too-costly', expression, `More than ${limit} references to fetch from the trust FHIR server`),

  // What the gateway needs from a message (content.ts).
  unknownEvent: (expression: string) =>
    err(
      'code-invalid',
      expression,
      'Unknown event: see GET /fhir/CodeSystem/homeward-housing-events for the events accepted',
    ),
  unknownReason: (expression: string) =>
    err(
      'code-invalid',
      expression,
      'reason must be new, update or delete from https://fhir.nhs.uk/CodeSystem/message-reason-bars',
    ),
  senderMissing: (expression: string) =>
    err(
      'required',
      expression,
      'sender must name your organisation by ODS code (identifier or an Organization entry)',
    ),
  /** Names the code and system expected: the caller's own ODS code, which it already knows. */
  senderNotCaller: (expression: string, expected: { system: string; code: string }) =>
    err(
      'forbidden',
      expression,
      `sender is not the ODS organisation of the authenticated partner: expected ${expected.code} (${expected.system})`,
    ),
  missingResource: (type: string, why: string) =>
    err('required', 'Bundle.entry', `The message needs ${type}: ${why}`),
  patientMismatch: (expression: string) =>
    err('business-rule', expression, 'A message is about one person: this Patient has another NHS number'),
  eventNeeds: (expression: string, what: string) => err('required', expression, what),
  eventConflict: (expression: string, what: string) => err('business-rule', expression, what),
  // Issue 17 item 1: one stay is one person's; never says whose (that would disclose it).
  encounterOfAnotherPerson: (expression: string) =>
    err(
      'business-rule',
      expression,
      "This encounter identifier already belongs to a stay of another person you sent: an encounter identifier names one person's stay. Check the Encounter and Patient of this message; nothing was stored",
    ),

  // Idempotency (BaRS: the MessageHeader.id of a message is never reused for other content).
  messageIdReused: () =>
    ({
      severity: 'error',
      code: 'duplicate',
      expression: 'Bundle.entry[0].resource.id',
      diagnostics:
        'This MessageHeader.id was already used by you for a message with other content: give a new message a new id',
    }) satisfies Issue,

  // Failures of the trust's server (not the sender's content): carried in a 502/504 outcome.
  remoteUnavailable: (expression: string, reason: string) =>
    ({
      severity: 'error',
      code: 'transient',
      expression,
      diagnostics: `Could not read this from the trust FHIR server: ${reason}`,
    }) satisfies Issue,
  remoteTimeout: (expression: string) =>
    ({
      severity: 'error',
      code: 'timeout',
      expression,
      diagnostics: 'The trust FHIR server did not answer in time for this reference',
    }) satisfies Issue,
} as const;
