/**
 * All the checks of an inbound message (issue 4 items 3 and 4), in two passes: first what the
 * message itself shows (envelope, every entry against its profile, fullUrls, references, content),
 * reporting every issue at once; then, only if all that passed, the references to fetch from the
 * sender's FHIR server, the fetched resources' profiles, and the content again with them.
 * Never throws for bad input; throws a 502/504 OutcomeError when the trust's server fails.
 */
import type { Partner } from '../config/registry-types.js';
import type { Issue } from '../fhir/outcome.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import { contentIssues } from './content.js';
import { issues } from './issues.js';
import { depthOf, type Entry, isObject, type Message, messageOf } from './message.js';
import type { IntakeProfiles } from './profiles.js';
import { checkReferences, duplicateFullUrls } from './references.js';
import { fetchRemote, REMOTE_DEADLINE_MS, type RemoteContext } from './remote-references.js';
import { schemaIssues } from './schema-issues.js';

/** Deeper than any real FHIR message (the R4 examples reach 14); deeper input is refused unread. */
export const MAX_DEPTH = 64;
/**
 * A referral message carries a handful of resources (header, patient, encounter, consents...);
 * 500 leaves room for long Consent histories while bounding the per-entry validation and
 * reference resolution work one request can cause (refused before profiles run).
 */
export const MAX_ENTRIES = 500;

export interface CheckContext {
  profiles: IntakeProfiles;
  partner: Partner;
  trustFhir: TrustFhir;
  remoteDeadlineMs?: number;
  onRemoteFailure?: RemoteContext['onFailure'];
}

export type CheckResult =
  /** `warnings`: what the answer should say though the message is accepted (never errors). */
  { kind: 'valid'; message: Message; warnings: Issue[] } | { kind: 'invalid'; issues: Issue[] };

function unique(list: Issue[]): Issue[] {
  const seen = new Set<string>();
  return list.filter((i) => {
    const key = `${i.code}\u0000${i.expression ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function profileIssues(entries: readonly Entry[], profiles: IntakeProfiles): Issue[] {
  return entries.flatMap((e) => {
    const validate = profiles.resource(e.type);
    return validate && !validate(e.resource) ? schemaIssues(validate.errors, e.expression, e.resource) : [];
  });
}

export async function checkMessage(body: unknown, ctx: CheckContext): Promise<CheckResult> {
  const invalid = (list: Issue[]): CheckResult => ({ kind: 'invalid', issues: unique(list) });
  if (!isObject(body)) return invalid([issues.notAnObject()]);
  if (typeof body.resourceType === 'string' && body.resourceType !== 'Bundle') {
    return invalid([issues.notABundle(body.resourceType)]);
  }
  if (depthOf(body, MAX_DEPTH) > MAX_DEPTH) return invalid([issues.tooDeep(MAX_DEPTH)]);
  if (Array.isArray(body.entry) && body.entry.length > MAX_ENTRIES) {
    return invalid([issues.tooManyEntries(MAX_ENTRIES)]);
  }

  const found: Issue[] = [];
  if (!ctx.profiles.envelope(body)) found.push(...schemaIssues(ctx.profiles.envelope.errors, 'Bundle', body));
  const m = messageOf(body, ctx.partner.fhirBaseUrl);
  const first = Array.isArray(body.entry) ? body.entry[0] : undefined;
  if (isObject(first) && isObject(first.resource) && first.resource.resourceType !== 'MessageHeader') {
    found.push(issues.headerNotFirst('Bundle.entry[0].resource'));
  }
  found.push(...profileIssues(m.entries, ctx.profiles), ...duplicateFullUrls(m));
  const refs = checkReferences(m, (type) => ctx.profiles.resource(type) !== undefined);
  const warnings = unique(refs.warnings);
  found.push(
    ...refs.issues,
    ...contentIssues(m, { partner: ctx.partner, profiles: ctx.profiles, pending: refs.remote }),
  );
  if (found.length > 0) return invalid(found);
  if (refs.remote.length === 0) return { kind: 'valid', message: m, warnings };

  const remote = await fetchRemote(refs.remote, {
    partner: ctx.partner,
    trustFhir: ctx.trustFhir,
    deadlineMs: ctx.remoteDeadlineMs ?? REMOTE_DEADLINE_MS,
    ...(ctx.onRemoteFailure ? { onFailure: ctx.onRemoteFailure } : {}),
  });
  for (const e of remote.fetched) m.fetched.set(`${e.type}/${e.id}`, e);
  const later = [
    ...remote.issues,
    ...profileIssues(remote.fetched, ctx.profiles),
    ...contentIssues(m, { partner: ctx.partner, profiles: ctx.profiles, pending: [] }),
  ];
  return later.length > 0 ? invalid(later) : { kind: 'valid', message: m, warnings };
}
