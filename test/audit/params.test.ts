import { describe, expect, it } from 'vitest';
import {
  parseEventsQuery,
  parseExportQuery,
  parseNoQuery,
  parseSubjectReportQuery,
} from '../../src/audit/params.js';
import { encodeCursor } from '../../src/audit/query.js';
import { subjectHmac } from '../../src/audit/subject.js';
import { OutcomeError } from '../../src/fhir/outcome.js';
import { TEST_SUBJECT_KEY } from '../helpers/test-app.js';
import { PATIENT } from './helpers.js';

const hash = (n: string) => subjectHmac(TEST_SUBJECT_KEY, n);
const patientHmac = hash(PATIENT.nhsNumber);

function refusal(fn: () => unknown): { status: number; diagnostics: string; expression: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof OutcomeError)) throw e;
    const issue = e.outcome.issue[0];
    return { status: e.status, diagnostics: issue?.diagnostics ?? '', expression: issue?.expression?.[0] };
  }
  throw new Error('expected a refusal');
}

describe('audit query parameters', () => {
  it('parse every filter, hash the subject, and record the filter without the NHS number', () => {
    const q = parseEventsQuery(
      {
        subject: PATIENT.spaced,
        recipient: 'homegroup-discharge',
        agreement: 'dsa-north-coast-homestead-discharge',
        action: 'disclosed',
        referral: 'ref-1',
        from: '2026-11-01',
        to: '2026-11-30T12:00:00+01:00',
        limit: '10',
        cursor: encodeCursor(42),
      },
      hash,
    );
    expect(q.filter).toEqual({
      subjectHmac: patientHmac,
      recipient: 'homegroup-discharge',
      agreement: 'dsa-north-coast-homestead-discharge',
      action: 'disclosed',
      referral: 'ref-1',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-30T11:00:00.000Z',
    });
    expect(q).toMatchObject({ limit: 10, afterSeq: 42 });
    expect(q.recorded.subjectHmac).toBe(patientHmac);
    expect(JSON.stringify(q.recorded)).not.toMatch(/943/);
  });

  it('default to 50 entries from the start', () => {
    expect(parseEventsQuery({}, hash)).toMatchObject({ filter: {}, limit: 50, afterSeq: 0 });
  });

  it.each([
    [{ recipeint: 'x' }, 'recipeint', /Unknown query parameter "recipeint"/],
    [{ recipient: ['a', 'b'] }, 'recipient', /given once/],
    [{ recipient: '' }, 'recipient', /must not be empty/],
    [{ recipient: 'a b<' }, 'recipient', /not a valid identifier/],
    [{ subject: '12345' }, 'subject', /10-digit NHS number/],
    [{ subject: '9434765918' }, 'subject', /check digit/],
    [{ action: 'shared' }, 'action', /must be one of .*disclosed/],
    [{ from: 'yesterday' }, 'from', /ISO-8601/],
    [{ to: '2026-11-23T10:00:00' }, 'to', /time zone/],
    [{ from: '2026-12-01', to: '2026-11-01' }, 'from', /before "to"/],
    [{ limit: '0' }, 'limit', /1 to 500/],
    [{ limit: '501' }, 'limit', /1 to 500/],
    [{ limit: 'ten' }, 'limit', /1 to 500/],
    [{ cursor: 'bm9wZQ' }, 'cursor', /not a cursor/],
  ])('refuse %j with a 400 naming the parameter', (query, expression, message) => {
    const r = refusal(() => parseEventsQuery(query, hash));
    expect(r).toMatchObject({ status: 400, expression });
    expect(r.diagnostics).toMatch(message);
  });

  it('never echo an NHS number back in an error', () => {
    expect(refusal(() => parseEventsQuery({ subject: '9434765918' }, hash)).diagnostics).not.toMatch(/943/);
  });

  it('export: csv by default, fhir on request, nothing else', () => {
    expect(parseExportQuery({}, hash)).toMatchObject({ format: 'csv', recorded: { format: 'csv' } });
    expect(parseExportQuery({ format: 'fhir', action: 'disclosed' }, hash)).toMatchObject({
      format: 'fhir',
      filter: { action: 'disclosed' },
    });
    expect(refusal(() => parseExportQuery({ format: 'xml' }, hash)).expression).toBe('format');
    expect(refusal(() => parseExportQuery({ limit: '5' }, hash)).expression).toBe('limit');
  });

  it('subject report: nhsNumber required and hashed; verify and checkpoint take no parameters', () => {
    expect(parseSubjectReportQuery({ nhsNumber: PATIENT.spaced, from: '2026-01-01' }, hash)).toEqual({
      filter: { subjectHmac: patientHmac, from: '2026-01-01T00:00:00.000Z' },
      recorded: { subjectHmac: patientHmac, from: '2026-01-01T00:00:00.000Z' },
    });
    expect(refusal(() => parseSubjectReportQuery({}, hash)).expression).toBe('nhsNumber');
    expect(
      refusal(() => parseSubjectReportQuery({ nhsNumber: PATIENT.nhsNumber, subject: 'x' }, hash)).expression,
    ).toBe('subject');
    expect(refusal(() => parseNoQuery({ all: 'true' })).status).toBe(400);
  });
});
