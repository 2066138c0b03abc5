/**
 * Agreement rules (issue 6 item 2): which version of an agreement is in force, and whether the
 * event falls within it. Every failing rule is reported, not only the first, so an IG lead
 * reading a withheld decision sees all that would have to change.
 */
import type { Agreement, Partner } from '../config/registry-types.js';
import { londonDay } from '../london-day.js';
import type { DecisionEvent, Reason } from './types.js';

/** Agreement dates are calendar dates in England: compare with the local date (Europe/London). */
export function londonDate(at: Date): string {
  return londonDay(at).date;
}

export type Selection = { kind: 'found'; agreement: Agreement } | { kind: 'none'; reason: Reason };

/**
 * The version of agreement `id` (its `versions`, any order) in force on the gateway's date `now`
 * (issue 17 item 3): the disclosure happens now, so it rests on today's terms. Dates inside the
 * message (Bundle.timestamp, Encounter.period) are the sender's to write; judging by them would
 * let a delayed or back-dated message revive an ended agreement or an older version's fields.
 * A draft is never in force. Dates are inclusive at both ends.
 */
export function selectVersion(id: string, versions: readonly Agreement[], now: Date): Selection {
  const today = londonDate(now);
  const started = versions.filter((v) => v.status !== 'draft' && v.effective.from <= today);
  const current = started.find((v) => !v.effective.to || today <= v.effective.to);
  if (current) return { kind: 'found', agreement: current };
  // Versions may not overlap (registry-checks.ts): every started version but the current one has ended.
  const ended = started.sort((a, b) => b.version - a.version)[0];
  if (ended || versions.some((v) => v.effective.from <= today)) {
    return {
      kind: 'none',
      reason: {
        code: 'agreement-expired',
        text: ended
          ? `Agreement ${id} v${ended.version} ended on ${ended.effective.to}`
          : `Agreement ${id} is not in force on ${today}`,
        agreementId: id,
      },
    };
  }
  return {
    kind: 'none',
    reason: {
      code: 'agreement-not-yet-effective',
      text: `Agreement ${id} starts after ${today}`,
      agreementId: id,
    },
  };
}

/** Every rule of `a` the event breaks (empty when it is covered). */
export function ruleFailures(a: Agreement, event: DecisionEvent, recipient: Partner): Reason[] {
  const out: Reason[] = [];
  const add = (code: Reason['code'], text: string) => out.push({ code, text, agreementId: a.id });
  if (a.status !== 'active') add('agreement-not-active', `Agreement ${a.id} v${a.version} is ${a.status}`);
  if (!a.triggers.includes(event.code))
    add('trigger-not-covered', `Agreement ${a.id} does not cover ${event.code} events`);
  const classes = a.scope.encounterClasses;
  if (classes?.length && !(event.encounterClass && classes.includes(event.encounterClass))) {
    add(
      'encounter-class-not-covered',
      `Encounter class ${event.encounterClass ?? '(none)'} is outside agreement ${a.id}`,
    );
  }
  const services = a.scope.serviceTypes;
  if (services?.length && !(event.serviceTypes ?? []).some((s) => services.includes(s))) {
    add('service-type-not-covered', `Service type is outside agreement ${a.id}`);
  }
  if (event.requestedPurpose && event.requestedPurpose !== a.purpose) {
    add(
      'purpose-mismatch',
      `Requested purpose ${event.requestedPurpose} is not the agreement's (${a.purpose})`,
    );
  }
  out.push(...catchmentFailures(a, event, recipient));
  return out;
}

/**
 * Duty to Refer: the person chooses the authority (Housing Act 1996 s.213B(2)); only when they
 * named none may an authority receive by postcode district, and only if its agreement says so.
 * Discharge support: by catchment when the person has a home postcode; a person with none (no
 * fixed abode) is within the trust's service, which is what the agreement covers.
 */
function catchmentFailures(a: Agreement, event: DecisionEvent, recipient: Partner): Reason[] {
  const reason = (code: Reason['code'], text: string): Reason[] => [{ code, text, agreementId: a.id }];
  const chosen = event.chosenRecipientOds ?? [];
  const districts = a.scope.catchment?.postcodeDistricts ?? [];
  const inCatchment = event.postcodeDistrict !== undefined && districts.includes(event.postcodeDistrict);
  if (a.referralType === 'duty-to-refer') {
    if (chosen.length > 0) {
      return chosen.includes(recipient.odsCode)
        ? []
        : reason('not-chosen-authority', `The person chose another housing authority, not ${recipient.name}`);
    }
    if (a.scope.catchment?.defaultForDistricts && inCatchment) return [];
    return reason(
      'out-of-catchment',
      `No authority chosen and the home postcode district is outside ${recipient.name}'s area`,
    );
  }
  if (districts.length === 0 || event.postcodeDistrict === undefined || inCatchment) return [];
  return reason(
    'out-of-catchment',
    `Home postcode district ${event.postcodeDistrict} is outside agreement ${a.id}`,
  );
}
