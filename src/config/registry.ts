/**
 * Load the partner registry from $CONSENT_DIR (partners/*.yaml, agreements/*.yaml): parse, validate
 * against consent/schema/, check cross-file rules, and refuse to start on any problem, reporting all
 * of them at once (conventions 6). The gateway serves no request with a registry it cannot trust.
 */
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { checkAgreements, checkAuditScopes, checkPartners } from './registry-checks.js';
import { parseYaml, type RegistryFile, readFolder } from './registry-files.js';
import { registryValidators, schemaProblems } from './registry-schemas.js';
import {
  type Agreement,
  type Partner,
  type Registry,
  RegistryError,
  type RegistryProblem,
} from './registry-types.js';

/** The `id` a broken file was probably meant to have, so references to it are not reported twice. */
function intendedId(data: unknown, f: RegistryFile): string {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : basename(f.file, extname(f.file));
}

function byIdThenVersion(a: Agreement, b: Agreement): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.version - b.version;
}

function buildRegistry(partners: ReadonlyMap<string, Partner>, agreements: Agreement[]): Registry {
  const sortedPartners = new Map([...partners].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const byOds = new Map([...partners.values()].map((p) => [p.odsCode, p]));
  const sorted = [...agreements].sort(byIdThenVersion);
  return {
    partners: sortedPartners,
    agreements: sorted,
    partner: (id) => sortedPartners.get(id),
    partnerByOds: (odsCode) => byOds.get(odsCode),
    versions: (id) => sorted.filter((a) => a.id === id),
  };
}

export function loadRegistry(consentDir: string): Registry {
  const problems: RegistryProblem[] = [];
  const validate = registryValidators();
  // No partners means no sender could authenticate: a misconfiguration, never a valid empty registry.
  const partnerFiles = readFolder(consentDir, 'partners', problems, { nonEmpty: true });
  // No agreements is valid (the gateway then withholds everything); a missing folder is a typo.
  const agreementFiles = readFolder(consentDir, 'agreements', problems, { nonEmpty: false });

  const partners: Partner[] = [];
  const unavailable = new Set<string>();
  for (const f of partnerFiles) {
    const data = parseYaml(f, problems);
    if (data !== undefined && validate.partner(data)) {
      partners.push({ ...data, source: f.file });
    } else {
      if (data !== undefined) problems.push(...schemaProblems(f.file, data, validate.partner.errors ?? []));
      unavailable.add(intendedId(data, f));
    }
  }

  const agreements: Agreement[] = [];
  for (const f of agreementFiles) {
    const data = parseYaml(f, problems);
    if (data === undefined) continue;
    if (validate.agreement(data)) {
      // The hash of the bytes as loaded goes into every audit entry that cites this agreement version.
      agreements.push({
        ...data,
        source: f.file,
        sha256: createHash('sha256').update(f.bytes).digest('hex'),
      });
    } else problems.push(...schemaProblems(f.file, data, validate.agreement.errors ?? []));
  }

  const partnersById = checkPartners(partners, problems);
  checkAuditScopes(partnersById, unavailable, problems);
  checkAgreements(agreements, { partners: partnersById, unavailable }, problems);
  if (problems.length > 0) throw new RegistryError(problems);
  return buildRegistry(partnersById, agreements);
}

function period(a: Agreement): string {
  return `${a.effective.from}..${a.effective.to ?? 'open'}`;
}

/** A human summary for `homeward config check`. */
export function summariseRegistry(r: Registry): string {
  const lines = [`Partners (${r.partners.size}):`];
  for (const p of r.partners.values()) {
    const delivery = p.delivery
      ? `${p.delivery.mode}/${p.delivery.format}${p.delivery.mode === 'webhook' ? ` [${p.delivery.signatures.join(',')}]` : ''}`
      : '-';
    lines.push(
      `  ${p.id} (${p.odsCode}, ${p.kind}${p.synthetic ? ', synthetic' : ''}): roles ${p.roles.join(',')}; delivery ${delivery}`,
    );
  }
  lines.push(`Agreements (${r.agreements.length} versions):`);
  for (const a of r.agreements) {
    lines.push(
      `  ${a.id} v${a.version} ${a.status}: ${a.discloser} -> ${a.recipient}, ${a.referralType}, ${period(a)}, ${a.fields.length} fields`,
    );
  }
  return lines.join('\n');
}
