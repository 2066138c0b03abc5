/**
 * The decision (issue 6 item 1): a pure function of the event, the person, one candidate
 * recipient, the agreements, the consents gathered beforehand, and the time. No I/O.
 */
import type { AgreementRef } from '../audit/types.js';
import type { DatasetField } from '../config/dataset-fields.js';
import type { Agreement, ReferralType } from '../config/registry-types.js';
import { ruleFailures, selectVersion } from './agreement-rules.js';
import { type ConsentEvaluation, evaluateConsents } from './consent-evaluation.js';
import { followUpApplies } from './readmission-rule.js';
import type { Decision, DecisionInput, LawfulBasis, Reason } from './types.js';

/**
 * Without these a referral of the type is not worth sending: the statutory minimum of a Duty to
 * Refer is contact details, consent and the reason (s.213B, MHCLG Homelessness Code of Guidance
 * ch. 4); a discharge-support referral needs at least to say who the person is; a home
 * adaptation agency must know who, where (the address in contact details is the home to adapt)
 * and what the occupational therapist found.
 */
export const MINIMUM_FIELDS: Readonly<Record<ReferralType, readonly DatasetField[]>> = {
  'duty-to-refer': ['name', 'contactDetails', 'consent', 'reason'],
  'discharge-support': ['name'],
  'home-adaptation': ['name', 'contactDetails', 'adaptationNeeds'],
};

type AlternativeBasis = Extract<Agreement['consent'], { requirement: 'alternative-basis' }>;

type Permit = Extract<Decision, { outcome: 'permit' }>;
type Withheld = { kind: 'withhold'; agreement?: Agreement; reasons: Reason[] };
type Candidate = { kind: 'permit'; decision: Permit } | Withheld;

const ref = (a: Agreement): AgreementRef => ({ id: a.id, version: a.version, sha256: a.sha256 });

export function decide(input: DecisionInput): Decision {
  const { event, recipient, now } = input;
  const mine = input.agreements.filter((a) => a.discloser === event.sender && a.recipient === recipient.id);
  const ids = [...new Set(mine.map((a) => a.id))].sort();
  // Which consents were consulted does not depend on the disclosure: any context lists them.
  const consentsConsulted = evaluateConsents(input.consents, input.patient, {
    recipientOds: recipient.odsCode,
    // Stryker disable next-line StringLiteral: the consents consulted are listed whatever the purpose; none is read for them
    purpose: '',
    at: now,
    fields: [],
  }).consulted;
  const withhold = (reasons: Reason[], agreement?: Agreement): Decision => ({
    outcome: 'withhold',
    recipient: recipient.id,
    consents: consentsConsulted,
    reasons,
    ...(agreement ? { agreement: ref(agreement) } : {}),
  });

  // A referral for housing is about the person's future: none is made for someone the trust records
  // as deceased (Patient.deceased[x], R4 section 8.1), whatever the agreements or consents say.
  if (event.deceased) {
    return withhold([
      {
        code: 'deceased',
        text: 'The person is recorded as deceased (Patient.deceased[x]): no referral is made',
      },
    ]);
  }
  if (ids.length === 0) {
    return withhold([
      { code: 'no-agreement', text: `No data-sharing agreement covers ${event.sender} -> ${recipient.id}` },
    ]);
  }
  const permits: Permit[] = [];
  const withholds: Withheld[] = [];
  for (const id of ids) {
    const c = candidateFor(
      input,
      id,
      mine.filter((a) => a.id === id),
    );
    if (c.kind === 'permit') permits.push(c.decision);
    else withholds.push(c);
  }
  if (permits.length > 0) {
    // Prefer the person's own consent over another basis, then the agreement allowing more.
    permits.sort(
      (a, b) =>
        Number(b.lawfulBasis.basis === 'explicit-consent') -
          Number(a.lawfulBasis.basis === 'explicit-consent') ||
        b.fields.length - a.fields.length ||
        a.agreement.id.localeCompare(b.agreement.id),
    );
    return permits[0] as Permit;
  }
  const examined = withholds.find((c) => c.agreement)?.agreement;
  return withhold(
    withholds.flatMap((c) => c.reasons),
    examined,
  );
}

function candidateFor(input: DecisionInput, id: string, versions: Agreement[]): Candidate {
  const { event, recipient, now } = input;
  if (event.restricted) {
    return {
      kind: 'withhold',
      reasons: [
        {
          code: 'restricted-record',
          text: 'The person has a restricted (sensitive) record: disclosures are handled by the ward, not automatically',
          agreementId: id,
        },
      ],
    };
  }
  const selected = selectVersion(id, versions, now);
  if (selected.kind === 'none') return { kind: 'withhold', reasons: [selected.reason] };
  const a = selected.agreement;
  // A readmission followed up by the earlier referral's recipient: its catchment is waived (issue 19 item 5).
  const followUp = followUpApplies(a, event, recipient.id, now);
  const failures = ruleFailures(a, event, recipient).filter(
    (f) => !(followUp && f.code === 'out-of-catchment'),
  );
  if (failures.length > 0) return { kind: 'withhold', agreement: a, reasons: failures };

  const { consent, outcome } = consentOutcome(a, input);
  if (outcome.fields === undefined) return { kind: 'withhold', agreement: a, reasons: outcome.reasons };
  const fields = outcome.fields;
  const missing = belowMinimum(a, fields);
  if (missing.length > 0) {
    return {
      kind: 'withhold',
      agreement: a,
      reasons: [
        {
          code: 'dataset-below-minimum',
          text: `Consent leaves out required fields: ${missing.join(', ')}`,
          agreementId: a.id,
        },
      ],
    };
  }
  const lawfulBasis: LawfulBasis = {
    article6: a.lawfulBasis.article6,
    article9: a.lawfulBasis.article9,
    basis: a.consent.requirement === 'explicit' ? 'explicit-consent' : a.consent.basis,
    ...(a.lawfulBasis.reference ? { reference: a.lawfulBasis.reference } : {}),
  };
  return {
    kind: 'permit',
    decision: {
      outcome: 'permit',
      recipient: recipient.id,
      agreement: ref(a),
      referralType: a.referralType,
      purpose: a.purpose,
      lawfulBasis,
      fields,
      consents: consent.consulted,
      reasons: followUp
        ? [
            ...outcome.reasons,
            {
              code: 'readmission-follow-up',
              text: `A readmission: offered first to ${recipient.name}, whose referral of the person's earlier stay ended recently`,
              agreementId: a.id,
            },
          ]
        : outcome.reasons,
    },
  };
}

type Outcome = { fields?: DatasetField[]; reasons: Reason[] };

/** The consent rules of agreement `a`: explicit consent, or another basis that an objection may still limit. */
function consentOutcome(
  a: Agreement,
  input: Pick<DecisionInput, 'consents' | 'patient' | 'recipient' | 'now' | 'facts'>,
): { consent: ConsentEvaluation; outcome: Outcome } {
  const consent = evaluateConsents(input.consents, input.patient, {
    ...input.facts,
    recipientOds: input.recipient.odsCode,
    purpose: a.purpose,
    at: input.now,
    fields: a.fields as DatasetField[],
    scopes: a.consent.scopes,
  });
  const outcome =
    a.consent.requirement === 'explicit' ? byConsent(a, consent) : byAlternativeBasis(a, a.consent, consent);
  return { consent, outcome };
}

/** The referral type's minimum fields that `a` lists but `fields` leaves out. */
const belowMinimum = (a: Agreement, fields: readonly DatasetField[]) =>
  MINIMUM_FIELDS[a.referralType].filter((f) => a.fields.includes(f) && !fields.includes(f));

/**
 * Does the person's consent still allow disclosures to `recipient` under `a`? Used when consent
 * changes after a referral was made (issue 6 item 6): the agreement rules are not re-run, only
 * the consent rules and the referral type's minimum.
 */
export function consentStillAllows(
  a: Agreement,
  input: Pick<DecisionInput, 'consents' | 'patient' | 'recipient' | 'now' | 'facts'>,
): { ok: true } | { ok: false; reasons: Reason[] } {
  const { outcome } = consentOutcome(a, input);
  if (outcome.fields === undefined) return { ok: false, reasons: outcome.reasons };
  const missing = belowMinimum(a, outcome.fields);
  return missing.length === 0
    ? { ok: true }
    : {
        ok: false,
        reasons: [
          {
            code: 'dataset-below-minimum',
            text: `Consent now leaves out: ${missing.join(', ')}`,
            agreementId: a.id,
          },
        ],
      };
}

/** Explicit consent: only what an applicable consent permits, and nothing any consent denies. */
function byConsent(a: Agreement, c: ConsentEvaluation): Outcome {
  const r = (code: Reason['code'], text: string): Outcome => ({
    reasons: [{ code, text, agreementId: a.id }],
  });
  if (![...c.verdicts.values()].includes('permit')) {
    if ([...c.verdicts.values()].includes('deny'))
      return r('consent-denied', 'The person has refused this sharing');
    if (c.anyWithdrawn) return r('consent-withdrawn', 'The person has withdrawn their consent');
    if (c.anyExpired) return r('consent-expired', 'The person’s consent has expired');
    if (c.anyForPatient)
      return r('consent-not-covering', 'The person’s consent does not cover this recipient or purpose');
    return r('consent-missing', 'No consent from the person was found');
  }
  const all = a.fields as DatasetField[];
  // The `consent` field records the consent itself: sent with any permit, unless a deny covers it.
  const permitted = all.filter(
    (f) => c.verdicts.get(f) === 'permit' || (f === 'consent' && c.verdicts.get(f) !== 'deny'),
  );
  const narrowed = permitted.length < all.length;
  return {
    fields: permitted,
    reasons: narrowed
      ? [
          {
            code: 'fields-narrowed-by-consent',
            text: `Consent leaves out: ${all.filter((f) => !permitted.includes(f)).join(', ')}`,
            agreementId: a.id,
          },
        ]
      : [],
  };
}

/** Another lawful basis: no consent needed; an objection (deny) still counts unless the basis overrides it. */
function byAlternativeBasis(a: Agreement, basisOf: AlternativeBasis, c: ConsentEvaluation): Outcome {
  const all = a.fields as DatasetField[];
  const denied = all.filter((f) => c.verdicts.get(f) === 'deny');
  const basis: Reason = {
    code: 'alternative-basis-used',
    text: `Shared without consent on the basis of ${basisOf.basis}`,
    agreementId: a.id,
  };
  if (denied.length === 0) return { fields: all, reasons: [basis] };
  if (basisOf.overridesObjection) {
    return {
      fields: all,
      reasons: [
        basis,
        {
          code: 'objection-overridden',
          text: `The person's objection is overridden (${basisOf.basis})`,
          agreementId: a.id,
        },
      ],
    };
  }
  const kept = all.filter((f) => !denied.includes(f));
  if (kept.length === 0)
    return {
      reasons: [{ code: 'consent-denied', text: 'The person has refused this sharing', agreementId: a.id }],
    };
  return {
    fields: kept,
    reasons: [
      basis,
      {
        code: 'fields-narrowed-by-consent',
        text: `The person's objection leaves out: ${denied.join(', ')}`,
        agreementId: a.id,
      },
    ],
  };
}
