import { describe, expect, it } from 'vitest';
import { referralTask, type TaskInput } from '../../src/referral/referral-task.js';
import { r4Errors } from '../fhir/r4-validator.js';

const base: TaskInput = {
  id: 'r-1',
  messageId: 'msg-1',
  nhsNumber: '9434765919',
  sender: { odsCode: 'R9N1C', name: 'North Coast NHS FT (synthetic)' },
  recipient: { odsCode: 'HHA01', name: 'Homestead HA (synthetic)' },
  authoredOn: '2026-11-23T10:00:00.000Z',
  lastModified: '2026-11-23T10:00:00.000Z',
  status: 'queued',
  referralId: 'r-1',
  dueBy: '2026-11-24T10:00:00.000Z',
};

describe('referralTask', () => {
  it.each([
    ['queued', {}, 'requested'],
    ['delivered', {}, 'received'],
    ['accepted', { response: { status: 'accepted' } }, 'accepted'],
    [
      'declined',
      { response: { status: 'declined', reason: { code: 'not-eligible', text: 'Outside criteria' } } },
      'rejected',
    ],
    ['completed', { response: { status: 'completed', outcome: 'rehoused' } }, 'completed'],
    ['cancelled', { reasons: [{ code: 'consent-withdrawn', text: 'Withdrawn' }] }, 'cancelled'],
    ['failed', {}, 'failed'],
    [
      'withheld',
      { referralId: undefined, reasons: [{ code: 'consent-missing', text: 'No consent' }] },
      'rejected',
    ],
  ] as const)('a %s referral is a valid R4 Task with status %s', (status, extra, taskStatus) => {
    const task = referralTask({ ...base, ...extra, status } as TaskInput);
    expect(task.status).toBe(taskStatus);
    expect(task.owner?.identifier?.value).toBe('HHA01');
    expect(r4Errors(task)).toEqual([]);
  });

  it('puts withheld reasons in statusReason and the provider outcome in output', () => {
    const withheld = referralTask({
      ...base,
      status: 'withheld',
      reasons: [{ code: 'consent-missing', text: 'No consent' }],
    });
    expect(withheld.statusReason?.coding?.[0]?.code).toBe('consent-missing');
    const done = referralTask({
      ...base,
      status: 'completed',
      response: { outcome: 'supported-accommodation' },
    });
    expect(done.output?.[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe('supported-accommodation');
  });
});
