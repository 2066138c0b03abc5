/**
 * FHIR R4 Consent evaluation for one disclosure (recipient organisation, purpose, time).
 * Rules, in the words of src/consent/README.md:
 *  - only Consents about this person with scope `patient-privacy` count; `entered-in-error` is ignored;
 *  - Consents sharing an identifier are versions of one consent: the latest by `dateTime` stands,
 *    so a later `inactive`/`rejected` one is a withdrawal;
 *  - `policyRule` OPTOUT is a deny of everything; a root provision without a `type` (R4: "not
 *    permitted in root rule", the root is an exception to the base policy) is a deny under OPTIN
 *    or OPTOUT, never a permit on an ambiguous reading;
 *  - a provision applies when its `period`, `actor` (recipient by ODS code or message reference in
 *    a recipient role; the sending trust in a custodian or author role), `purpose` and `action`
 *    match; nested provisions are exceptions that override their parent for what they cover;
 *  - `data`, `dataPeriod`, `class`, `code` and `securityLabel` narrow a provision to fields
 *    (data-scope.ts);
 *  - a permit counts only when it, or a provision it is nested in, names this recipient and this
 *    purpose (UK GDPR Art. 4(11): consent is specific and informed), and allows disclosure;
 *  - deny overrides permit, field by field: across consents and across sibling provisions.
 */
import type { Consent, ConsentProvision, Reference } from 'fhir/r4.js';
import type { ConsentRef } from '../audit/types.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { isNhsNumberSystem, isOdsOrganisationSystem } from '../fhir/systems.js';
import { fieldsInScope, type ScopeContext } from './data-scope.js';
import type { DisclosureFacts } from './disclosure-facts.js';
import { earliest, latest } from './fhir-time.js';
import type { DecisionPatient } from './types.js';

const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
/** v3 ParticipationType: intended and primary information recipient. */
const RECIPIENT_ROLES = new Set<string | undefined>(['IRCP', 'PRCP']);
/** v3 ParticipationType custodian and author: who holds or wrote the data, here the sending trust. */
const SOURCE_ROLES = new Set<string | undefined>(['CST', 'AUT']);
/** http://terminology.hl7.org/CodeSystem/consentaction: what the gateway does is `disclose`. */
const DISCLOSE = 'disclose';

export type FieldVerdict = 'permit' | 'deny';

export interface ConsentContext extends DisclosureFacts {
  recipientOds: string;
  purpose: string;
  at: Date;
  /** The fields in question (the agreement's). */
  fields: readonly DatasetField[];
  /** Consent.scope codes that count (the agreement's `consent.scopes`; default patient-privacy). */
  scopes?: readonly string[];
}

export interface ConsentEvaluation {
  /** Verdict per field across all applicable consents (deny overrides); absent = no consent speaks. */
  verdicts: Map<DatasetField, FieldVerdict>;
  consulted: ConsentRef[];
  /** Why nothing applied, for the reason codes: was there any active privacy consent at all? */
  anyForPatient: boolean;
  anyWithdrawn: boolean;
  anyExpired: boolean;
}

const refOf = (c: Consent): ConsentRef => ({
  reference: `Consent/${c.id ?? 'unidentified'}`,
  ...(c.meta?.versionId ? { versionId: c.meta.versionId } : {}),
});

function isAbout(c: Consent, patient: DecisionPatient): boolean {
  const p = c.patient;
  if (!p) return false;
  if (p.reference && patient.references.includes(p.reference)) return true;
  const id = p.identifier;
  if (!patient.nhsNumber || !id || !isNhsNumberSystem(id.system)) return false;
  return id.value?.replace(/\s/g, '') === patient.nhsNumber;
}

/** Consents of a scope the agreement accepts (patient-privacy; treatment only where it says so). */
const inScope = (c: Consent, scopes: readonly string[]) =>
  c.scope?.coding?.some((x) => x.system === CONSENT_SCOPE && scopes.some((s) => s === x.code));
const seriesKey = (c: Consent) => {
  const i = c.identifier?.[0];
  if (!i?.value) return `id:${c.id ?? JSON.stringify(c.dateTime)}`;
  // Stryker disable next-line StringLiteral: the text standing for a missing system is the same for every consent, so it cannot change which consents group together
  const system = i.system ?? '';
  return `${system}|${i.value}`;
};

/** The standing version of each consent series (latest `dateTime`; ties: the later in the list). */
function standing(consents: Consent[]): Consent[] {
  const latest = new Map<string, Consent>();
  for (const c of consents) {
    const key = seriesKey(c);
    const prev = latest.get(key);
    if (!prev || (c.dateTime ?? '') >= (prev.dateTime ?? '')) latest.set(key, c);
  }
  return [...latest.values()];
}

/**
 * Does `ref` name the party known by `ods` and the message references `refs`? `undefined`: the
 * gateway cannot tell (no ODS code or reference it can compare).
 */
function identifies(
  ref: Reference | undefined,
  ods: string | undefined,
  refs: readonly string[] | undefined,
): boolean | undefined {
  const id = ref?.identifier;
  if (id && isOdsOrganisationSystem(id.system) && id.value) {
    return ods ? id.value.toUpperCase() === ods.toUpperCase() : undefined;
  }
  if (ref?.reference) return refs ? refs.includes(ref.reference) : undefined;
  return undefined;
}

type Party = 'recipient' | 'sender' | 'other';

function partyOf(actor: NonNullable<ConsentProvision['actor']>[number]): Party {
  const codes = (actor.role?.coding ?? []).map((c) => c.code);
  if (codes.every((c) => RECIPIENT_ROLES.has(c))) return 'recipient'; // no role: the recipient
  return codes.some((c) => SOURCE_ROLES.has(c)) ? 'sender' : 'other';
}

/**
 * The actor condition. A deny applies when any actor may be the recipient or the sending trust
 * (in doubt, it applies); a permit applies only when every custodian or author actor is the
 * sending trust, no actor is in a role the gateway does not understand, and, if it names
 * recipients, one of them is this recipient.
 */
function actorMatch(p: ConsentProvision, type: FieldVerdict, ctx: ConsentContext) {
  const actors = (p.actor ?? []).map((a) => {
    const party = partyOf(a);
    // Whether it is the recipient (recipient roles) or the sending trust (the others; an actor
    // in a role the gateway does not understand is judged by its role alone).
    const who =
      party === 'recipient'
        ? identifies(a.reference, ctx.recipientOds, ctx.recipientReferences)
        : identifies(a.reference, ctx.senderOds, ctx.senderReferences);
    return { party, who };
  });
  const namesRecipient = actors.some((a) => a.party === 'recipient' && a.who === true);
  if (actors.length === 0) return { applies: true, namesRecipient };
  if (type === 'deny')
    return { applies: actors.some((a) => a.party !== 'other' && a.who !== false), namesRecipient };
  const recipients = actors.filter((a) => a.party === 'recipient');
  const applies =
    actors.every((a) => a.party !== 'other' && (a.party !== 'sender' || a.who === true)) &&
    (recipients.length === 0 || namesRecipient);
  return { applies, namesRecipient };
}

/** How a provision stands to this disclosure: `null` when it does not apply, 'expired' when its period ended. */
type Match = null | 'expired' | { namesRecipient: boolean; namesPurpose: boolean; allowsDisclosure: boolean };

function matchProvision(p: ConsentProvision, type: FieldVerdict, ctx: ConsentContext): Match {
  const { start, end } = p.period ?? {};
  const from = start ? earliest(start) : Number.NEGATIVE_INFINITY;
  const to = end ? latest(end) : Number.POSITIVE_INFINITY;
  // A period the gateway cannot read: a deny holds, a permit does not (in doubt, withhold).
  if (Number.isNaN(from) || Number.isNaN(to)) return type === 'deny' ? applies(p, type, ctx) : null;
  // Inclusive at both ends, to the precision written: an end of `2026-11-23` holds all that day.
  if (to < ctx.at.getTime()) return 'expired';
  if (from > ctx.at.getTime()) return null;
  return applies(p, type, ctx);
}

/** The actor, purpose and action conditions of a provision within its period. */
function applies(p: ConsentProvision, type: FieldVerdict, ctx: ConsentContext): Match {
  const actor = actorMatch(p, type, ctx);
  if (!actor.applies) return null;
  if (p.purpose?.length && !p.purpose.some((x) => x.code === ctx.purpose)) return null;
  // `action` limits what the provision is about; a deny of another action still withholds (in
  // doubt, withhold), a permit of another action (e.g. read `access`) is not consent to disclose.
  const allowsDisclosure =
    !p.action?.length || p.action.some((a) => a.coding?.some((c) => c.code === DISCLOSE));
  return {
    namesRecipient: actor.namesRecipient,
    namesPurpose: !!p.purpose?.length,
    allowsDisclosure,
  };
}

interface Path {
  recipient: boolean;
  purpose: boolean;
  disclosure: boolean;
}

/**
 * The verdicts of one provision and its exceptions. Nested provisions override their parent for
 * what they cover; among siblings, deny overrides permit, whatever their order.
 */
function walk(
  p: ConsentProvision,
  type: FieldVerdict,
  ctx: ConsentContext,
  scope: ScopeContext,
  path: Path,
  out: { expired?: true },
): Map<DatasetField, FieldVerdict> {
  const verdicts = new Map<DatasetField, FieldVerdict>();
  const m = matchProvision(p, type, ctx);
  if (m === 'expired') {
    out.expired = true;
    return verdicts;
  }
  if (!m) return verdicts;
  const here: Path = {
    recipient: path.recipient || m.namesRecipient,
    purpose: path.purpose || m.namesPurpose,
    disclosure: path.disclosure && m.allowsDisclosure,
  };
  // A permit is consent to this disclosure only when it names this recipient and this purpose.
  const counts = type === 'deny' || (here.recipient && here.purpose && here.disclosure);
  if (counts) for (const f of fieldsInScope(p, type, scope)) verdicts.set(f, type);
  const exceptions = new Map<DatasetField, FieldVerdict>();
  for (const child of p.provision ?? []) {
    // R4 requires a type on nested rules; one without takes the opposite of its parent.
    const childType = child.type ?? (type === 'permit' ? 'deny' : 'permit');
    for (const [f, v] of walk(child, childType, ctx, scope, here, out))
      if (exceptions.get(f) !== 'deny') exceptions.set(f, v);
  }
  for (const [f, v] of exceptions) verdicts.set(f, v);
  return verdicts;
}

const hasPolicy = (c: Consent, codes: readonly string[]) =>
  !!c.policyRule?.coding?.some((x) => codes.some((k) => k === x.code));
const optOut = (c: Consent) => hasPolicy(c, ['OPTOUT', 'OPTOUTE']);
const optIn = (c: Consent) => hasPolicy(c, ['OPTIN', 'OPTINR']);

/**
 * Root type: `provision.type` when given; otherwise the root is an exception to the base policy
 * (R4 Consent.provision): under OPTIN that is a deny, and under OPTOUT the gateway reads it as a
 * deny too (reading it as a permitting exception would turn an opt-out into a disclosure on an
 * ambiguous encoding). With no base policy, a typeless root says what it permits.
 */
function rootType(c: Consent): FieldVerdict {
  if (c.provision?.type) return c.provision.type;
  return optOut(c) || optIn(c) ? 'deny' : 'permit';
}

export function evaluateConsents(
  consents: readonly Consent[],
  patient: DecisionPatient,
  ctx: ConsentContext,
): ConsentEvaluation {
  const mine = consents.filter(
    (c) => c.resourceType === 'Consent' && isAbout(c, patient) && c.status !== 'entered-in-error',
  );
  const privacy = mine.filter((c) => inScope(c, ctx.scopes ?? ['patient-privacy']));
  const verdicts = new Map<DatasetField, FieldVerdict>();
  let anyWithdrawn = false;
  let anyExpired = false;
  let anyActive = false;
  const scope: ScopeContext = {
    fields: ctx.fields,
    patientReferences: patient.references,
    ...(ctx.records ? { records: ctx.records } : {}),
  };
  const start: Path = { recipient: false, purpose: false, disclosure: true };
  for (const c of standing(privacy)) {
    if (c.status === 'inactive' || c.status === 'rejected') {
      anyWithdrawn = true;
      continue;
    }
    if (c.status !== 'active') continue; // draft and proposed consents do not count
    anyActive = true;
    const out: { expired?: true } = {};
    // OPTOUT is the person's refusal: a deny of everything, to which the provisions are exceptions.
    const own = new Map<DatasetField, FieldVerdict>(optOut(c) ? ctx.fields.map((f) => [f, 'deny']) : []);
    const root = walk(c.provision ?? {}, rootType(c), ctx, scope, start, out);
    for (const [f, v] of root) own.set(f, v);
    if (out.expired && own.size === 0) anyExpired = true;
    for (const [f, v] of own) if (verdicts.get(f) !== 'deny') verdicts.set(f, v);
  }
  return {
    verdicts,
    consulted: mine.map(refOf),
    anyForPatient: anyActive,
    anyWithdrawn,
    anyExpired,
  };
}
