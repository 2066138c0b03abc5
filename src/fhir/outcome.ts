/**
 * OperationOutcome at the edge (conventions 4): named builders, one error class carrying an
 * outcome, one status mapping. Stage code throws `OutcomeError`; app.ts turns it into HTTP.
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

export type IssueCode = OperationOutcomeIssue['code'];
export type Issue = {
  severity?: OperationOutcomeIssue['severity'];
  code: IssueCode;
  diagnostics: string;
  expression?: string;
};

export function outcome(issues: Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity ?? 'error',
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression ? { expression: [i.expression] } : {}),
    })),
  };
}

/** An error that is an HTTP answer: status + OperationOutcome (+ optional headers). */
export class OutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue[0]?.diagnostics ?? `HTTP ${status}`);
    this.name = 'OutcomeError';
  }
}

const fail = (status: number, code: IssueCode, msg: string, expression?: string) =>
  new OutcomeError(status, outcome([{ code, diagnostics: msg, ...(expression ? { expression } : {}) }]));

export const badRequest = (msg: string, expression?: string) => fail(400, 'invalid', msg, expression);
export const unauthorized = (msg: string, wwwAuthenticate: string) =>
  new OutcomeError(401, outcome([{ code: 'login', diagnostics: msg }]), {
    'www-authenticate': wwwAuthenticate,
  });
export const forbidden = (msg: string, expression?: string) => fail(403, 'forbidden', msg, expression);
export const notFound = (msg = 'Not found') => fail(404, 'not-found', msg);
export const methodNotAllowed = (msg: string) => fail(405, 'not-supported', msg);
export const conflict = (msg: string, code: IssueCode = 'conflict') => fail(409, code, msg);
export const payloadTooLarge = (msg: string) => fail(413, 'too-costly', msg);
export const unsupportedMediaType = (msg: string) => fail(415, 'not-supported', msg);
/** 406: the caller accepts no representation the gateway writes (FHIR JSON). */
export const notAcceptable = (msg: string) => fail(406, 'not-supported', msg);
/** 400 for a parameter the gateway understands but does not support (e.g. asynchronous messaging). */
export const notSupported = (msg: string, expression?: string) => fail(400, 'not-supported', msg, expression);
export const unprocessable = (issues: Issue[]) => new OutcomeError(422, outcome(issues));
/** 400 listing every problem found in a request (a body checked whole, a query's parameters). */
export const badRequestIssues = (issues: Issue[]) => new OutcomeError(400, outcome(issues));
export const tooManyRequests = (retryAfterSeconds: number) =>
  new OutcomeError(429, outcome([{ code: 'throttled', diagnostics: 'Too many requests; retry later' }]), {
    'retry-after': String(retryAfterSeconds),
  });
export const badGateway = (msg: string) => fail(502, 'transient', msg);
export const internalError = () => fail(500, 'exception', 'Internal error');
export const serviceUnavailable = (msg: string, retryAfterSeconds: number) =>
  new OutcomeError(503, outcome([{ code: 'transient', diagnostics: msg }]), {
    'retry-after': String(retryAfterSeconds),
  });
