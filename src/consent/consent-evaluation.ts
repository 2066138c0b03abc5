/**
 * FHIR R4 Consent evaluation for one disclosure (recipient organisation, purpose, time).
 * Rules, in the words of src/consent/README.md:
 *  - only Consents about this person with scope `patient-privacy` count; `entered-in-error` is ignored;
 *  - Consents sharing an identifier are versions of one consent: the latest by `dateTime` stands,
 *    so a later `inactive`/`rejected` one is a withdrawal;
 *  - a provision applies when its `period`, `actor` (ODS code, role IRCP/PRCP) and `purpose` match;
 *    nested provisions are exceptions that override their parent for what they cover;
 *  - `class`/`code`/`securityLabel` narrow a provision to data classes (src/consent/data-classes.ts);
 *  - across consents, deny overrides permit, field by field.
 */
import type { Coding, Consent, ConsentProvision } from 'fhir/r4.js';
import type { ConsentRef } from '../audit/types.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { isNhsNumberSystem, isOdsOrganisationSystem } from '../fhir/systems.js';
import { fieldsOfCodings } from './data-classes.js';
import type { DecisionPatient } from './types.js';

const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const RECIPIENT_ROLES = new Set(['IRCP', 'PRCP']);

export type FieldVerdict = 'permit' | 'deny';

export interface ConsentContext {
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
  return (
    !!patient.nhsNumber &&
    isNhsNumberSystem(id?.system) &&
    id?.value?.replace(/\s/g, '') === patient.nhsNumber
  );
}

/** Consents of a scope the agreement accepts (patient-privacy; treatment only where it says so). */
const inScope = (c: Consent, scopes: readonly string[]) =>
  c.scope?.coding?.some((x) => x.system === CONSENT_SCOPE && x.code !== undefined && scopes.includes(x.code));
const seriesKey = (c: Consent) => {
  const i = c.identifier?.[0];
  return i?.value ? `${i.system ?? ''}|${i.value}` : `id:${c.id ?? JSON.stringify(c.dateTime)}`;
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

type Match = 'applies' | 'not-applicable' | 'expired';

function matchProvision(p: ConsentProvision, ctx: ConsentContext): Match {
  const { start, end } = p.period ?? {};
  if (end && new Date(end).getTime() < ctx.at.getTime()) return 'expired';
  if (start && new Date(start).getTime() > ctx.at.getTime()) return 'not-applicable';
  if (p.actor?.length) {
    const ours = p.actor.some(
      (a) =>
        isOdsOrganisationSystem(a.reference?.identifier?.system) &&
        a.reference?.identifier?.value?.toUpperCase() === ctx.recipientOds &&
        (a.role?.coding ?? []).every((r) => r.code !== undefined && RECIPIENT_ROLES.has(r.code)),
    );
    if (!ours) return 'not-applicable';
  }
  if (p.purpose?.length && !p.purpose.some((x) => x.code === ctx.purpose)) return 'not-applicable';
  return 'applies';
}

/** Fields a provision covers: all of them, or those of its data classes (unknown classes: see below). */
function covered(
  p: ConsentProvision,
  all: readonly DatasetField[],
  type: FieldVerdict,
): readonly DatasetField[] {
  const codings: Coding[] = [
    ...(p.class ?? []),
    ...(p.securityLabel ?? []),
    ...(p.code ?? []).flatMap((c) => c.coding ?? []),
  ];
  if (codings.length === 0) return all;
  const { fields, unknown } = fieldsOfCodings(codings);
  // A class we cannot map could cover anything: a deny then covers everything, a permit nothing.
  if (unknown > 0 && type === 'deny') return all;
  return all.filter((f) => fields.has(f));
}

interface Walk {
  verdicts: Map<DatasetField, FieldVerdict>;
  expired: boolean;
}

function walk(p: ConsentProvision, inherited: FieldVerdict, ctx: ConsentContext, out: Walk): void {
  const m = matchProvision(p, ctx);
  if (m === 'expired') out.expired = true;
  if (m !== 'applies') return;
  const type: FieldVerdict = p.type ?? inherited;
  for (const f of covered(p, ctx.fields, type)) out.verdicts.set(f, type);
  for (const child of p.provision ?? []) walk(child, type === 'permit' ? 'deny' : 'permit', ctx, out);
}

/** Root type: `provision.type`, else the policy rule (OPTOUT denies), else permit. */
function rootType(c: Consent): FieldVerdict {
  if (c.provision?.type) return c.provision.type;
  const rule = c.policyRule?.coding?.map((x) => x.code) ?? [];
  return rule.includes('OPTOUT') || rule.includes('OPTOUTE') ? 'deny' : 'permit';
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
  for (const c of standing(privacy)) {
    if (c.status === 'inactive' || c.status === 'rejected') {
      anyWithdrawn = true;
      continue;
    }
    if (c.status !== 'active') continue; // draft and proposed consents do not count
    anyActive = true;
    const out: Walk = { verdicts: new Map(), expired: false };
    walk(c.provision ?? {}, rootType(c), ctx, out);
    if (out.expired && out.verdicts.size === 0) anyExpired = true;
    for (const [f, v] of out.verdicts) if (verdicts.get(f) !== 'deny') verdicts.set(f, v);
  }
  return {
    verdicts,
    consulted: mine.map(refOf),
    anyForPatient: anyActive,
    anyWithdrawn,
    anyExpired,
  };
}
