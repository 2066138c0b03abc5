/**
 * Subject access report (issue 5 item 5): every disclosure about one person, in plain words, to
 * help answer a right-of-access request. UK GDPR Art. 15(1) entitles the person to (a) the purposes
 * of the processing, (b) the categories of personal data concerned and (c) the recipients to whom
 * the data have been disclosed: each item says who received which fields, when, why, and under
 * which agreement and lawful basis.
 */
import type { Registry } from '../config/registry-types.js';
import type { Db } from '../store/index.js';
import { toEntry } from './entries.js';
import { matchingRows } from './query.js';
import type { AuditFilter, AuditVisibility } from './types.js';

export interface SubjectReportItem {
  seq: number;
  date: string;
  discloser: { id: string; name: string } | null;
  recipient: { id: string; name: string; odsCode: string | null } | null;
  purpose: string | null;
  agreement: { id: string; version: number | null; title: string | null } | null;
  lawfulBasis: string | null;
  fields: string[];
  consents: Array<{ reference: string; versionId?: string }>;
  referralId: string | null;
}

export interface SubjectReport {
  generatedAt: string;
  period: { from: string | null; to: string | null };
  /** One plain-English sentence per disclosure, after an opening sentence. */
  summary: string[];
  items: SubjectReportItem[];
}

/** Dataset field names in words a person recognises ("contactDetails" -> "contact details"). */
const WORDS: Record<string, string> = {
  nhsNumber: 'NHS number',
  birthDate: 'date of birth',
  'message.text': 'a message about the referral',
};
export function fieldWords(field: string): string {
  return WORDS[field] ?? field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const ukDate = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'Europe/London',
});

function partnerName(registry: Registry, id: string | null): string {
  return (id && registry.partner(id)?.name) ?? id ?? 'an unknown organisation';
}

function sentence(item: SubjectReportItem, registry: Registry): string {
  const what =
    item.fields.length > 0 ? `this information: ${item.fields.map(fieldWords).join(', ')}` : 'information';
  const from = item.discloser ? `${partnerName(registry, item.discloser.id)} shared` : 'The gateway shared';
  const to = item.recipient ? item.recipient.name : 'an unknown recipient';
  const why = item.purpose ? ` for the purpose of ${item.purpose.replace(/-/g, ' ')}` : '';
  const agreement = item.agreement
    ? `, under the data-sharing agreement "${item.agreement.title ?? item.agreement.id}" version ${item.agreement.version ?? 'unknown'}`
    : '';
  const basis = item.lawfulBasis ? `, on the lawful basis ${item.lawfulBasis}` : '';
  return `On ${ukDate.format(new Date(item.date))}, ${from} ${what} with ${to}${why}${agreement}${basis}.`;
}

export async function subjectReport(
  db: Db,
  registry: Registry,
  filter: AuditFilter & { subjectHmac: string },
  visibility: AuditVisibility,
  now: Date,
): Promise<SubjectReport> {
  const items: SubjectReportItem[] = [];
  for await (const row of matchingRows(db, { ...filter, action: 'disclosed' }, visibility)) {
    const e = toEntry(row);
    const recipient = e.recipient ? registry.partner(e.recipient) : undefined;
    const agreement = e.agreement
      ? registry.versions(e.agreement.id).find((a) => a.version === e.agreement?.version)
      : undefined;
    items.push({
      seq: e.seq,
      date: e.at,
      discloser:
        e.actor && e.actor !== 'gateway' ? { id: e.actor, name: partnerName(registry, e.actor) } : null,
      recipient: e.recipient
        ? { id: e.recipient, name: recipient?.name ?? e.recipient, odsCode: recipient?.odsCode ?? null }
        : null,
      purpose: e.purpose,
      agreement: e.agreement
        ? { id: e.agreement.id, version: e.agreement.version, title: agreement?.title ?? null }
        : null,
      lawfulBasis: e.lawfulBasis,
      fields: e.fields,
      consents: e.consents,
      referralId: e.referralId,
    });
  }
  const span =
    filter.from || filter.to
      ? ` between ${filter.from ? ukDate.format(new Date(filter.from)) : 'the start of the record'} and ${filter.to ? ukDate.format(new Date(filter.to)) : 'now'}`
      : '';
  const opening =
    items.length === 0
      ? `No disclosures about this person are recorded${span}.`
      : `${items.length} disclosure${items.length === 1 ? ' is' : 's are'} recorded about this person${span}.`;
  return {
    generatedAt: now.toISOString(),
    period: { from: filter.from ?? null, to: filter.to ?? null },
    summary: [opening, ...items.map((i) => sentence(i, registry))],
    items,
  };
}
