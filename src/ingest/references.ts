/**
 * Every literal reference in the message must resolve (issue 4 item 4): within the bundle, or
 * on the sender's own FHIR server when its partner file names one. This pass finds them all,
 * reports those that cannot resolve, and lists those to fetch (remote-references.ts).
 * A reference to something the gateway never uses (an EpisodeOfCare, a CarePlan, the person's
 * GP) is only a warning when it is not in the message, and is never fetched (issue 17 item 3):
 * national examples (BaRS, PDS) carry such references to resources held elsewhere.
 */
import { parseReference } from '../fhir/bundle-references.js';
import type { Issue } from '../fhir/outcome.js';
import { issues } from './issues.js';
import { type Entry, isObject, type Message } from './message.js';

/** One reference to read from the trust, with the first element that makes it. */
export interface RemoteCandidate {
  type: string;
  id: string;
  /** The Reference element, e.g. `Bundle.entry[1].resource.subject`. */
  expression: string;
}

/** A message refers to a handful of things; more than this to fetch is refused, not queued. */
export const MAX_REMOTE_REFERENCES = 20;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Each `{ reference: "..." }` object inside a resource, with its FHIRPath location. */
export function referencesIn(
  entry: Entry,
): Array<{ expression: string; reference: unknown; declaredType?: unknown }> {
  const found: Array<{ expression: string; reference: unknown; declaredType?: unknown }> = [];
  const stack: Array<[unknown, string]> = [[entry.resource, entry.expression]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}[${i}]`]);
      continue;
    }
    if (!isObject(node)) continue;
    if ('reference' in node && !isObject(node.reference))
      found.push({ expression: path, reference: node.reference, declaredType: node.type });
    for (const [key, value] of Object.entries(node).reverse()) {
      if (typeof value !== 'object' || value === null) continue;
      stack.push([value, `${path}${IDENTIFIER.test(key) ? `.${key}` : `.\`${key}\``}`]);
    }
  }
  return found;
}

/**
 * Elements the gateway never follows (R4 Patient, Encounter, ServiceRequest): whatever they
 * point at is not read by the decision or the mapping, so a urn:uuid to something not sent is
 * no reason to refuse the message.
 */
const NEVER_FOLLOWED = new Set([
  'Patient.generalPractitioner',
  'Patient.managingOrganization',
  'Patient.link.other',
  'Encounter.episodeOfCare',
  'Encounter.basedOn',
  'Encounter.appointment',
  'Encounter.account',
  'Encounter.partOf',
  'ServiceRequest.basedOn',
  'ServiceRequest.replaces',
  'ServiceRequest.insurance',
  'ServiceRequest.relevantHistory',
]);

/** `Bundle.entry[2].resource.episodeOfCare[0]` of an Encounter -> `Encounter.episodeOfCare`. */
function elementOf(entry: Entry, expression: string): string {
  return `${entry.type}${expression.slice(entry.expression.length).replace(/\[\d+\]/g, '')}`;
}

/** What a reference points at when it says: `Type/id`, a RESTful URL, or Reference.type. */
function targetType(reference: string, declared: unknown): string | undefined {
  const parsed = parseReference(reference);
  if ((parsed.kind === 'relative' || parsed.kind === 'absolute') && parsed.type) return parsed.type;
  return typeof declared === 'string' ? declared.split('/').pop() : undefined;
}

export interface ReferenceCheck {
  issues: Issue[];
  /** Unresolved references to things the gateway never uses: said in the answer, not refused. */
  warnings: Issue[];
  remote: RemoteCandidate[];
}

/** `uses(type)`: the gateway reads resources of this type (it has an intake profile for it). */
export function checkReferences(m: Message, uses: (type: string) => boolean = () => true): ReferenceCheck {
  const out: Issue[] = [];
  const warnings: Issue[] = [];
  const remote = new Map<string, RemoteCandidate>();
  let tooMany = false;
  for (const entry of m.entries) {
    for (const { expression, reference, declaredType } of referencesIn(entry)) {
      // A non-string reference is a shape error the schema pass reports where it applies.
      if (typeof reference !== 'string') continue;
      const r = m.index.resolve(reference, entry, m.remoteBase);
      if (r.kind === 'remote' || (r.kind === 'unresolved' && r.why === 'no-entry')) {
        const type = targetType(reference, declaredType);
        if ((type && !uses(type)) || NEVER_FOLLOWED.has(elementOf(entry, expression))) {
          warnings.push(issues.unusedReferenceAbsent(`${expression}.reference`, type));
          continue;
        }
      }
      if (r.kind === 'unresolved') out.push(issues.unresolvedReference(`${expression}.reference`, r.why));
      if (r.kind !== 'remote') continue;
      const key = `${r.type}/${r.id}`;
      if (remote.has(key)) continue;
      if (remote.size >= MAX_REMOTE_REFERENCES) {
        // Reported once, at the first reference over the limit.
        if (!tooMany) out.push(issues.tooManyRemote(`${expression}.reference`, MAX_REMOTE_REFERENCES));
        tooMany = true;
        continue;
      }
      remote.set(key, { type: r.type, id: r.id, expression });
    }
  }
  return { issues: out, warnings, remote: [...remote.values()] };
}

/** Duplicate fullUrls (R4 Bundle invariant bdl-7; stricter: no versionId exception in a message). */
export function duplicateFullUrls(m: Message): Issue[] {
  const first = new Map<string, Entry>();
  const out: Issue[] = [];
  for (const e of m.entries) {
    if (e.fullUrl === undefined) continue;
    const seen = first.get(e.fullUrl);
    if (seen)
      out.push(issues.duplicateFullUrl(`Bundle.entry[${e.index}].fullUrl`, `Bundle.entry[${seen.index}]`));
    else first.set(e.fullUrl, e);
  }
  return out;
}
