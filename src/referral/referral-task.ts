/**
 * The trust-facing status of a referral as a FHIR R4 Task (issue 7 item 6; R4 section 12.1,
 * Task, "the workflow status of a referral"): one Task per routed recipient. `owner` is that
 * recipient only; nothing about other recipients appears. A withheld decision is a Task with
 * status `rejected` and the reasons in `statusReason`.
 */
import type { Annotation, Task, TaskOutput } from 'fhir/r4.js';
import { codeSystemUrl, identifierSystem } from '../fhir/homeward-base.js';
import { NHS_NUMBER_SYSTEM } from '../fhir/nhs-number.js';
import { ODS_ORGANISATION_SYSTEM } from '../fhir/systems.js';
import type { ReferralStatus } from './status.js';
import { currentWorker, type Step, WORKER_NAMED } from './steps.js';

/** The ODS spelling the gateway writes (systems.ts lists those it reads). */
export const ODS_SYSTEM = ODS_ORGANISATION_SYSTEM;
export const REFERRAL_ID_SYSTEM = identifierSystem('referral');
export const MESSAGE_ID_SYSTEM = identifierSystem('message');
/** The X-Correlation-Id a message arrived with, or the one the gateway gave it (issue 17 item 9). */
export const CORRELATION_ID_SYSTEM = identifierSystem('correlation-id');
export const DECISION_REASON_SYSTEM = codeSystemUrl('decision-reason');
export const REFERRAL_STATUS_SYSTEM = codeSystemUrl('referral-status');
export const REFERRAL_OUTCOME_SYSTEM = codeSystemUrl('referral-outcome');
/** A provider's reason for declining (its own codes, e.g. `out-of-area`: Task.statusReason). */
export const DECLINE_REASON_SYSTEM = codeSystemUrl('referral-outcome-decline');
/** ServiceRequest.category: the referral type (`duty-to-refer`, `discharge-support`, `home-adaptation`). */
export const REFERRAL_TYPE_SYSTEM = codeSystemUrl('referral-type');

export interface TaskInput {
  id: string;
  /** The trust's MessageHeader.id of the message that caused it (Task.focus). */
  messageId: string;
  /** That message's correlation id (Task.groupIdentifier). */
  correlationId?: string | null;
  nhsNumber?: string;
  sender: { odsCode: string; name: string };
  recipient: { odsCode: string; name: string };
  authoredOn: string;
  lastModified: string;
  /** A referral's lifecycle status, or `withheld` for a decision that refused it. */
  status: string;
  reasons?: Array<{ code: string; text: string }>;
  referralId?: string;
  dueBy?: string | null;
  response?: { status?: string; reason?: { code: string; text?: string }; outcome?: string } | null;
  /** The referral's steps, oldest first (steps.ts): Task.output lists them, Task.note their notes. */
  steps?: readonly Step[];
}

/** R4 Task.status for each referral status (every one: the map is checked whole by the compiler). */
const TASK_STATUS: Readonly<Record<ReferralStatus | 'withheld', Task['status']>> = {
  withheld: 'rejected',
  queued: 'requested',
  delivered: 'received',
  acknowledged: 'received',
  accepted: 'accepted',
  declined: 'rejected',
  // Milestones: the provider is doing the work (R4 Task.status `in-progress`).
  contacted: 'in-progress',
  assessed: 'in-progress',
  'options-identified': 'in-progress',
  'offer-made': 'in-progress',
  'viewing-arranged': 'in-progress',
  'move-date-set': 'in-progress',
  'moved-in': 'in-progress',
  'works-complete': 'in-progress',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
};

function statusReason(input: TaskInput): Task['statusReason'] {
  if (input.status === 'withheld' || input.status === 'cancelled') {
    const reasons = input.reasons ?? [];
    if (reasons.length === 0) return undefined;
    return {
      coding: reasons.map((r) => ({ system: DECISION_REASON_SYSTEM, code: r.code })),
      text: reasons.map((r) => r.text).join('; '),
    };
  }
  const reason = input.response?.reason;
  if (input.status === 'declined' && reason) {
    return {
      coding: [{ system: DECLINE_REASON_SYSTEM, code: reason.code }],
      ...(reason.text ? { text: reason.text } : {}),
    };
  }
  return undefined;
}

const outputType = (system: string, code: string): TaskOutput['type'] => ({
  coding: [{ system, code }],
  text: code,
});

/**
 * One output per step, in the order they happened (issue 19 item 3: "the trust's Task shows each
 * step"): the status it moved to (REFERRAL_STATUS_SYSTEM) when; for `move-date-set` also the move
 * date; for a named worker their name, role and work contact (R4 allows any type in
 * Task.output.value[x]: a ContactDetail). Purged facts leave the step and its time.
 */
function stepOutputs(steps: readonly Step[]): TaskOutput[] {
  const out: TaskOutput[] = [];
  for (const s of steps) {
    const d = s.detail;
    if (s.step === WORKER_NAMED && d?.name) {
      const telecom = [
        ...(d.phone ? [{ system: 'phone' as const, value: d.phone, use: 'work' as const }] : []),
        ...(d.email ? [{ system: 'email' as const, value: d.email, use: 'work' as const }] : []),
      ];
      out.push({
        type: outputType(REFERRAL_OUTCOME_SYSTEM, 'named-worker'),
        valueContactDetail: {
          name: d.role ? `${d.name}, ${d.role}` : d.name,
          ...(telecom.length ? { telecom } : {}),
        },
      });
      continue;
    }
    const system = s.step === WORKER_NAMED ? REFERRAL_OUTCOME_SYSTEM : REFERRAL_STATUS_SYSTEM;
    const code = s.step === WORKER_NAMED ? 'named-worker' : s.step;
    out.push({ type: outputType(system, code), valueDateTime: s.at });
    if (s.step === 'move-date-set' && d?.date)
      out.push({ type: outputType(REFERRAL_OUTCOME_SYSTEM, 'move-date'), valueDate: d.date });
  }
  return out;
}

/** The provider's notes, each with when and who wrote it (the staff member, else the organisation). */
function stepNotes(steps: readonly Step[], provider: string): Annotation[] {
  return steps
    .filter((s) => s.note !== undefined && s.note !== '')
    .map((s) => ({
      authorString: s.recordedBy
        ? [s.recordedBy.name, s.recordedBy.role].filter(Boolean).join(', ')
        : provider,
      time: s.at,
      text: s.note ?? '',
    }));
}

export function referralTask(input: TaskInput): Task {
  const reason = statusReason(input);
  const outcome = input.response?.outcome;
  const steps = input.steps ?? [];
  const worker = currentWorker(steps);
  const output: TaskOutput[] = [
    ...stepOutputs(steps),
    ...(outcome
      ? [
          {
            type: { coding: [{ system: REFERRAL_OUTCOME_SYSTEM, code: 'outcome' }] },
            valueCodeableConcept: { coding: [{ system: REFERRAL_OUTCOME_SYSTEM, code: outcome }] },
          },
        ]
      : []),
  ];
  const note = stepNotes(steps, input.recipient.name);
  return {
    resourceType: 'Task',
    id: input.id,
    ...(input.referralId ? { identifier: [{ system: REFERRAL_ID_SYSTEM, value: input.referralId }] } : {}),
    // R4 Task.groupIdentifier: "an identifier that links together multiple tasks and other requests
    // that were created in the same context" — here every Task of one message, and the webhooks,
    // status pushes and audit entries it caused (https://hl7.org/fhir/R4/task-definitions.html#Task.groupIdentifier).
    ...(input.correlationId
      ? { groupIdentifier: { system: CORRELATION_ID_SYSTEM, value: input.correlationId } }
      : {}),
    status: TASK_STATUS[input.status as ReferralStatus | 'withheld'] ?? 'requested',
    ...(reason ? { statusReason: reason } : {}),
    businessStatus: { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: input.status }], text: input.status },
    intent: 'order',
    focus: { identifier: { system: MESSAGE_ID_SYSTEM, value: input.messageId } },
    ...(input.nhsNumber
      ? { for: { identifier: { system: NHS_NUMBER_SYSTEM, value: input.nhsNumber } } }
      : {}),
    authoredOn: input.authoredOn,
    lastModified: input.lastModified,
    requester: {
      identifier: { system: ODS_SYSTEM, value: input.sender.odsCode },
      display: input.sender.name,
    },
    // The provider; once a housing worker is named, the display says who is on the case.
    owner: {
      identifier: { system: ODS_SYSTEM, value: input.recipient.odsCode },
      display: worker
        ? `${input.recipient.name}: ${worker.name}${worker.role ? `, ${worker.role}` : ''}`
        : input.recipient.name,
    },
    ...(input.dueBy ? { restriction: { period: { end: input.dueBy } } } : {}),
    ...(note.length > 0 ? { note } : {}),
    ...(output.length > 0 ? { output } : {}),
  };
}
