/**
 * Which dataset fields one Consent provision is about (FHIR R4 consent-definitions):
 *  - `data` (meaning instance / related / dependents / authoredby + a reference) and `dataPeriod`
 *    select records of the message; the provision is about the fields those records feed;
 *  - `class`, `code` and `securityLabel` narrow to data classes (data-classes.ts), resource types,
 *    records carrying the code or label, or a v3 Confidentiality high-water mark;
 *  - the kinds of condition are and-ed (each narrows the others), the values within one are or-ed
 *    ("Multiple types are or'ed together", Consent.provision.class).
 * What the gateway cannot judge is read in the direction that discloses less: a deny covers
 * every field, a permit none (an unknown code never widens a disclosure; issue 17 item 2).
 */
import type { Coding, ConsentProvision, ConsentProvisionData, Period } from 'fhir/r4.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { confidentialityRank, DATA_CLASSES, dataClassOf, NORMAL_CONFIDENTIALITY } from './data-classes.js';
import { FIELDS_BY_RESOURCE_TYPE, type RecordFacts } from './disclosure-facts.js';
import { earliest, latest } from './fhir-time.js';

const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';

export type ProvisionType = 'permit' | 'deny';

export interface ScopeContext {
  /** The fields in question (the agreement's). */
  fields: readonly DatasetField[];
  /** The message's records; absent when unknown. */
  records?: readonly RecordFacts[];
  /** How records name the person: `related` never widens to the person's own Patient record. */
  patientReferences: readonly string[];
}

/** A selection of records, or of resource types when the records are unknown. */
type Sources =
  | { kind: 'records'; chosen: readonly RecordFacts[] }
  | { kind: 'types'; chosen: readonly string[] };

/**
 * The fields a selection of sources covers. A deny covers every field any chosen source feeds.
 * A permit covers a field only when every source that can feed it is chosen: the mapping reads
 * whole fields, so permitting one Flag must not send the person's other Flags.
 */
function fieldsOf(s: Sources, type: ProvisionType, ctx: ScopeContext): Set<DatasetField> {
  const feeds =
    s.kind === 'records'
      ? (ctx.records ?? []).map((r) => ({ chosen: s.chosen.includes(r), fields: r.fields }))
      : Object.entries(FIELDS_BY_RESOURCE_TYPE).map(([t, fields]) => ({
          chosen: s.chosen.includes(t),
          fields,
        }));
  const out = new Set<DatasetField>();
  for (const f of ctx.fields) {
    const sources = feeds.filter((x) => x.fields.includes(f));
    const chosen = sources.filter((x) => x.chosen);
    if (type === 'deny' ? chosen.length > 0 : chosen.length > 0 && chosen.length === sources.length)
      out.add(f);
  }
  return out;
}

/** Is the record's data from within `dataPeriod` (overlap, inclusive at both ends)? */
function inDataPeriod(r: RecordFacts, dp: Period, type: ProvisionType): boolean {
  if (r.timeless) return false; // who someone is is not data "from" a time
  if (!r.period) return type === 'deny'; // a record of unknown time: a deny takes it, a permit does not
  const from = r.period.start ? earliest(r.period.start) : Number.NEGATIVE_INFINITY;
  const to = r.period.end ? latest(r.period.end) : Number.POSITIVE_INFINITY;
  const dpFrom = dp.start ? earliest(dp.start) : Number.NEGATIVE_INFINITY;
  const dpTo = dp.end ? latest(dp.end) : Number.POSITIVE_INFINITY;
  // A time the gateway cannot read: as a record of unknown time.
  if ([from, to, dpFrom, dpTo].some(Number.isNaN)) return type === 'deny';
  return from <= dpTo && to >= dpFrom;
}

const names = (r: RecordFacts, ref: string) => r.references.includes(ref);

/** Records one `provision.data` entry selects (consent-data-meaning). */
function selects(d: ConsentProvisionData, ctx: ScopeContext, records: readonly RecordFacts[]): RecordFacts[] {
  const ref = d.reference.reference;
  if (!ref) return [];
  const target = records.find((r) => names(r, ref));
  switch (d.meaning) {
    case 'instance':
      return target ? [target] : [];
    case 'related': {
      // The record and the records it refers to, but not the person: every record about them
      // refers to them, and a provision about one record is not about the whole person.
      const outgoing = (target?.refersTo ?? []).filter((x) => !ctx.patientReferences.includes(x));
      return records.filter((r) => r === target || outgoing.some((x) => names(r, x)));
    }
    case 'dependents':
      return records.filter(
        (r) =>
          r === target || r.refersTo.includes(ref) || target?.references.some((a) => r.refersTo.includes(a)),
      );
    case 'authoredby':
      return records.filter((r) => r.authors.includes(ref));
    default:
      return [];
  }
}

const key = (c: Coding) => `${c.system ?? ''}|${c.code ?? ''}`;

/** The fields one coding of `class`, `code` or `securityLabel` covers, or `undefined` when unknown. */
function fieldsOfCoding(
  c: Coding,
  dimension: 'class' | 'code' | 'securityLabel',
  type: ProvisionType,
  ctx: ScopeContext,
): Set<DatasetField> | undefined {
  if (!c.system || !c.code) return undefined; // text only: nothing the gateway can match
  const out = new Set<DatasetField>();
  const cls = dataClassOf(c);
  for (const f of cls ? (DATA_CLASSES[cls] ?? []) : []) if (ctx.fields.includes(f)) out.add(f);
  const rank = confidentialityRank(c);
  if (dimension === 'class' && c.system === RESOURCE_TYPES && c.code) {
    const sources: Sources = ctx.records
      ? { kind: 'records', chosen: ctx.records.filter((r) => r.resourceType === c.code) }
      : { kind: 'types', chosen: [c.code] };
    return new Set([...out, ...fieldsOf(sources, type, ctx)]);
  }
  if (rank !== undefined) {
    // "applies to all resources that are labeled R or lower" (Consent.provision.securityLabel).
    // Everything the gateway sends is at most normal (N), so a deny at N or above covers it all.
    if (type === 'deny' && rank >= NORMAL_CONFIDENTIALITY) return new Set(ctx.fields);
    if (!ctx.records) return rank >= NORMAL_CONFIDENTIALITY ? new Set(ctx.fields) : out;
    const chosen = ctx.records.filter((r) => {
      const own = r.labels.map((l) =>
        confidentialityRank({ system: l.split('|')[0], code: l.split('|')[1] }),
      );
      // Its own highest label; a record without a confidentiality label is normal (N).
      const ranks = own.filter((x): x is number => x !== undefined);
      const level = ranks.length > 0 ? Math.max(...ranks) : NORMAL_CONFIDENTIALITY;
      return level <= rank;
    });
    return new Set([...out, ...fieldsOf({ kind: 'records', chosen }, type, ctx)]);
  }
  if (dimension !== 'class' && ctx.records) {
    const list = (r: RecordFacts) => (dimension === 'code' ? r.codes : r.labels);
    const chosen = ctx.records.filter((r) => list(r).includes(key(c)));
    return new Set([...out, ...fieldsOf({ kind: 'records', chosen }, type, ctx)]);
  }
  return cls ? out : undefined;
}

/** One kind of condition: the union over its codings; an unknown coding covers all for a deny. */
function dimensionFields(
  codings: readonly Coding[],
  dimension: 'class' | 'code' | 'securityLabel',
  type: ProvisionType,
  ctx: ScopeContext,
): Set<DatasetField> {
  const out = new Set<DatasetField>();
  for (const c of codings) {
    const fields = fieldsOfCoding(c, dimension, type, ctx);
    if (fields === undefined) {
      if (type === 'deny') return new Set(ctx.fields);
      continue;
    }
    for (const f of fields) out.add(f);
  }
  return out;
}

/** The fields provision `p` of type `type` is about. */
export function fieldsInScope(p: ConsentProvision, type: ProvisionType, ctx: ScopeContext): DatasetField[] {
  let scope = new Set(ctx.fields);
  const narrow = (by: Set<DatasetField>) => {
    scope = new Set([...scope].filter((f) => by.has(f)));
  };
  if (p.data?.length || p.dataPeriod) {
    if (!ctx.records) return type === 'deny' ? [...ctx.fields] : [];
    let chosen: readonly RecordFacts[] = ctx.records;
    if (p.data?.length) {
      const picked = new Set(p.data.flatMap((d) => selects(d, ctx, ctx.records ?? [])));
      chosen = chosen.filter((r) => picked.has(r));
    }
    const dp = p.dataPeriod;
    if (dp) chosen = chosen.filter((r) => inDataPeriod(r, dp, type));
    narrow(fieldsOf({ kind: 'records', chosen }, type, ctx));
  }
  if (p.class?.length) narrow(dimensionFields(p.class, 'class', type, ctx));
  if (p.code?.length) {
    // A code given as text only is a condition the gateway cannot match: an empty Coding says so.
    const codings = p.code.flatMap((c) => (c.coding?.length ? c.coding : [{}]));
    narrow(dimensionFields(codings, 'code', type, ctx));
  }
  if (p.securityLabel?.length) narrow(dimensionFields(p.securityLabel, 'securityLabel', type, ctx));
  return ctx.fields.filter((f) => scope.has(f));
}
