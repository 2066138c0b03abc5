/**
 * Agreements about to end (issue 10 item 4). A data-sharing agreement that lapses stops every
 * referral under it (src/consent/agreement-rules.ts withholds with `agreement-expired`), so the
 * IG lead needs weeks of notice to renew it. An agreement counts as ending when the version in
 * force today has an end date within the window and no active version takes over the next day.
 * Agreement dates are calendar dates in England, as the decision rules read them.
 */
import type { Agreement, Registry } from '../config/registry-types.js';
import { londonDate } from '../consent/agreement-rules.js';
import { londonMidnight } from '../london-day.js';

export const EXPIRY_WARNING_DAYS = 30;

export interface EndingAgreement {
  id: string;
  version: number;
  discloser: string;
  recipient: string;
  /** Last day in force (inclusive), YYYY-MM-DD. */
  endsOn: string;
  /** Whole days from today to endsOn: 0 when today is the last day. */
  daysLeft: number;
}

const DAY_MS = 86_400_000;
const inForce = (a: Agreement, day: string) =>
  a.status === 'active' && a.effective.from <= day && (!a.effective.to || day <= a.effective.to);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** Every agreement (its version in force today) ending within `withinDays`, soonest first. */
export function endingAgreements(
  registry: Registry,
  now: Date,
  withinDays = EXPIRY_WARNING_DAYS,
): EndingAgreement[] {
  const today = londonDate(now);
  const out: EndingAgreement[] = [];
  for (const id of new Set(registry.agreements.map((a) => a.id))) {
    const versions = registry.versions(id);
    const current = versions.find((v) => inForce(v, today));
    const endsOn = current?.effective.to;
    if (!current || !endsOn) continue;
    const daysLeft = daysBetween(today, endsOn);
    if (daysLeft > withinDays) continue;
    if (versions.some((v) => v !== current && inForce(v, nextDay(endsOn)))) continue;
    out.push({
      id,
      version: current.version,
      discloser: current.discloser,
      recipient: current.recipient,
      endsOn,
      daysLeft,
    });
  }
  return out.sort((a, b) => a.daysLeft - b.daysLeft || a.id.localeCompare(b.id));
}

/**
 * When each agreement in force today stops being in force (the end of its last day in England),
 * for a metric: open-ended agreements and those with a next version lined up are left out
 * (nothing to renew). An instant, not a count of days: Prometheus exports timestamps, from which
 * `- time()` gives the time left in seconds (https://prometheus.io/docs/practices/instrumentation/).
 */
export function agreementEnds(registry: Registry, now: Date): Array<{ id: string; endsAt: Date }> {
  return endingAgreements(registry, now, Number.POSITIVE_INFINITY).map(({ id, endsOn }) => ({
    id,
    endsAt: londonMidnight(nextDay(endsOn)),
  }));
}
