/**
 * Rules a JSON Schema cannot express because they span files or depend on meaning: unique ids and
 * ODS codes, roles of the parties, non-overlapping versions, fields per referral type.
 * Only schema-valid documents reach these checks, so their types can be trusted.
 */
import { basename, extname } from 'node:path';
import { isDatasetField } from './dataset-fields.js';
import type { Agreement, Partner, PartnerRole, RegistryProblem } from './registry-types.js';

/** Checks over partner files; returns the partners by id (first file wins on a duplicate). */
export function checkPartners(
  partners: readonly Partner[],
  problems: RegistryProblem[],
): Map<string, Partner> {
  const byId = new Map<string, Partner>();
  const byOds = new Map<string, Partner>();
  for (const p of partners) {
    const problem = (path: string, message: string) => problems.push({ file: p.source, path, message });
    // One file per partner named after its id, so an operator finds a partner by its id.
    const stem = basename(p.source, extname(p.source));
    if (stem !== p.id) problem('id', `partner id "${p.id}" does not match the file name "${stem}"`);
    const sameId = byId.get(p.id);
    if (sameId) problem('id', `duplicate partner id "${p.id}" (also in ${sameId.source})`);
    else byId.set(p.id, p);
    // Inbound tokens and Consent.provision.actor identify organisations by ODS code: it must be unique.
    const sameOds = byOds.get(p.odsCode);
    if (sameOds) problem('odsCode', `duplicate ODS code "${p.odsCode}" (also partner "${sameOds.id}")`);
    else byOds.set(p.odsCode, p);
    const isRecipient = p.roles.includes('recipient');
    if (isRecipient && !p.delivery)
      problem('delivery', 'a partner with role recipient needs delivery settings');
    if (!isRecipient && p.delivery) problem('delivery', 'delivery settings need the role recipient');
  }
  return byId;
}

/**
 * `auditOf` (issue 5, partner isolation): only an auditor has one, and it names known partners.
 * `audit` (issue 17 item 8) likewise belongs to auditors only.
 * Ids of partner files that failed to load were reported already, so they are not reported again.
 */
export function checkAuditScopes(
  partners: ReadonlyMap<string, Partner>,
  unavailable: ReadonlySet<string>,
  problems: RegistryProblem[],
): void {
  for (const p of partners.values()) {
    // Gateway-wide figures are for the gateway's own IG function only (issue 17 item 8).
    if (p.audit !== undefined && !p.roles.includes('auditor')) {
      problems.push({ file: p.source, path: 'audit', message: 'audit needs the role auditor' });
    }
    if (p.auditOf === undefined) continue;
    if (!p.roles.includes('auditor')) {
      problems.push({ file: p.source, path: 'auditOf', message: 'auditOf needs the role auditor' });
    }
    p.auditOf.forEach((id, i) => {
      if (!partners.has(id) && !unavailable.has(id)) {
        problems.push({ file: p.source, path: `auditOf[${i}]`, message: `unknown partner "${id}"` });
      }
    });
  }
}

/** Inclusive date periods; a missing `to` is open-ended. ISO dates compare correctly as strings. */
function overlaps(a: Agreement['effective'], b: Agreement['effective']): boolean {
  return a.from <= (b.to ?? '9999-12-31') && b.from <= (a.to ?? '9999-12-31');
}

function label(a: Agreement): string {
  return `${a.id} v${a.version} (${a.source})`;
}

interface PartyCheck {
  partners: ReadonlyMap<string, Partner>;
  /** Ids of partner files that failed to parse or validate: already reported, so not reported again. */
  unavailable: ReadonlySet<string>;
}

function checkParty(
  a: Agreement,
  field: 'discloser' | 'recipient',
  role: PartnerRole,
  ctx: PartyCheck,
  problems: RegistryProblem[],
): Partner | undefined {
  const id = a[field];
  const partner = ctx.partners.get(id);
  if (!partner) {
    if (!ctx.unavailable.has(id))
      problems.push({ file: a.source, path: field, message: `unknown partner "${id}"` });
    return undefined;
  }
  if (!partner.roles.includes(role)) {
    problems.push({ file: a.source, path: field, message: `partner ${id} lacks role ${role}` });
  }
  return partner;
}

function checkAgreement(a: Agreement, ctx: PartyCheck, problems: RegistryProblem[]): void {
  const problem = (path: string, message: string) => problems.push({ file: a.source, path, message });
  if (a.effective.to !== undefined && a.effective.to < a.effective.from) {
    problem('effective.to', `ends (${a.effective.to}) before it starts (${a.effective.from})`);
  }
  checkParty(a, 'discloser', 'sender', ctx, problems);
  const recipient = checkParty(a, 'recipient', 'recipient', ctx, problems);
  if (a.discloser === a.recipient) problem('recipient', 'discloser and recipient must be different partners');
  a.fields.forEach((field, i) => {
    if (!isDatasetField(a.referralType, field)) {
      problem(`fields[${i}]`, `"${field}" is not a field of the ${a.referralType} dataset`);
    }
  });
  if (a.referralType === 'duty-to-refer') {
    // Housing Act 1996 s.213B(3) (inserted by the Homelessness Reduction Act 2017): a public authority
    // must not notify a housing authority unless the person has consented. No other basis will do.
    if (a.consent.requirement !== 'explicit') {
      problem('consent.requirement', 'a duty-to-refer agreement must require explicit consent (s.213B(3))');
    }
    // s.213B(2): the notification goes to a local housing authority in England.
    if (recipient && recipient.kind !== 'local-housing-authority') {
      problem('recipient', `duty-to-refer recipient ${recipient.id} is not a local-housing-authority`);
    }
  }
}

/** Versions of one agreement: unique version numbers, and (drafts aside) no two in force on one day. */
function checkVersions(versions: readonly Agreement[], problems: RegistryProblem[]): void {
  const byVersion = new Map<number, Agreement>();
  for (const a of versions) {
    const same = byVersion.get(a.version);
    if (same) {
      problems.push({ file: a.source, path: 'version', message: `duplicate version: ${label(same)}` });
    } else byVersion.set(a.version, a);
  }
  // Every decision names one agreement version; overlapping versions would make that ambiguous.
  const inForce = versions.filter((a) => a.status !== 'draft').sort((a, b) => a.version - b.version);
  for (let i = 0; i < inForce.length; i++) {
    for (let j = i + 1; j < inForce.length; j++) {
      const [a, b] = [inForce[i], inForce[j]] as [Agreement, Agreement];
      if (a.version !== b.version && overlaps(a.effective, b.effective)) {
        problems.push({
          file: b.source,
          path: 'effective',
          message: `effective period of ${label(b)} overlaps ${label(a)}`,
        });
      }
    }
  }
}

export function checkAgreements(
  agreements: readonly Agreement[],
  ctx: PartyCheck,
  problems: RegistryProblem[],
): void {
  const byId = new Map<string, Agreement[]>();
  for (const a of agreements) {
    checkAgreement(a, ctx, problems);
    byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
  }
  for (const versions of byId.values()) checkVersions(versions, problems);
}
