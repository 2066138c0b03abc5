/**
 * The audit's read operations, one function per route (the HTTP handlers stay thin, conventions 2).
 * Each one first appends an `audit-read` entry naming the reader and the filter it used, in its own
 * committed transaction, and only then reads: there is never an unaudited read (design.md, Audit).
 */
import type { KeyRing } from '../auth/keys.js';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry-types.js';
import type { Ids } from '../ids.js';
import type { Store } from '../store/index.js';
import { latestCheckpoint, takeCheckpoint, verifyAgainstCheckpoint } from './checkpoint.js';
import { auditCsv } from './export-csv.js';
import { auditBundle } from './export-fhir.js';
import { parseEventsQuery, parseExportQuery, parseNoQuery, parseSubjectReportQuery } from './params.js';
import { type AuditPage, findEntries, matchingRows, visibleSummary } from './query.js';
import { type SubjectReport, subjectReport } from './subject-report.js';
import type { AuditLog, AuditReader, AuditVerification, ChainVerification, Checkpoint } from './types.js';
import { type VerifyOptions, verifyChain } from './verify.js';

export interface AuditReadDeps {
  store: Store;
  audit: AuditLog;
  registry: Registry;
  keys: KeyRing;
  clock: Clock;
  ids: Ids;
  publicUrl: string;
}

type Query = Readonly<Record<string, unknown>>;
type Operation = 'events' | 'verify' | 'checkpoint' | 'export' | 'subject-report';

async function recordRead(
  deps: AuditReadDeps,
  reader: AuditReader,
  operation: Operation,
  filter?: Record<string, string>,
): Promise<void> {
  await deps.store.transaction((tx) =>
    deps.audit.append(tx, {
      action: 'audit-read',
      actor: reader.partnerId,
      requestId: reader.requestId,
      detail: { operation, ...(filter ? { filter } : {}) },
    }),
  );
}

export async function readEvents(deps: AuditReadDeps, reader: AuditReader, query: Query): Promise<AuditPage> {
  const q = parseEventsQuery(query, deps.audit.subjectHash);
  await recordRead(deps, reader, 'events', q.recorded);
  return findEntries(deps.store.db, q.filter, reader.visibility, q);
}

/**
 * The chain, then the newest stored checkpoint: the chain alone cannot show that its newest
 * entries were cut off; a checkpoint the gateway signed earlier can.
 */
export async function verifyAudit(
  deps: Pick<AuditReadDeps, 'store' | 'keys'>,
  opts: Pick<VerifyOptions, 'onProgress'> = {},
): Promise<ChainVerification> {
  const chain = await verifyChain(deps.store.db, opts);
  if (!chain.ok) return chain;
  const latest = await latestCheckpoint(deps.store.db);
  if (!latest) return chain;
  const held = await verifyAgainstCheckpoint(deps.store.db, latest.jws, deps.keys, chain);
  if (held.ok) return chain;
  return {
    ...chain,
    ok: false,
    ...(held.firstBrokenSeq !== undefined ? { firstBrokenSeq: held.firstBrokenSeq } : {}),
    problem: `checkpoint of ${latest.at}: ${held.problem}`,
  };
}

/** Gateway-wide chain figures: the operator's own reads, or an auditor whose file opts in. */
function wideFigures(reader: AuditReader): boolean {
  return reader.visibility.kind === 'all' || reader.gatewayWideFigures === true;
}

/**
 * The whole chain is verified for every reader (a hash chain cannot be checked in part, and an
 * auditor must learn that the log it relies on is broken), but the counts are the reader's own:
 * without gateway-wide figures `entries` and `head` cover only the entries it may see, so an
 * auditor of some partners cannot read the gateway's volume of other partners' activity.
 */
export async function readVerification(
  deps: AuditReadDeps,
  reader: AuditReader,
  query: Query,
  opts: Pick<VerifyOptions, 'onProgress'> = {},
): Promise<AuditVerification> {
  parseNoQuery(query);
  await recordRead(deps, reader, 'verify');
  const chain = await verifyAudit(deps, opts);
  if (wideFigures(reader)) return { ...chain, figures: 'gateway-wide' };
  return {
    ...chain,
    ...(await visibleSummary(deps.store.db, reader.visibility)),
    figures: 'audited-partners',
  };
}

export async function readCheckpoint(
  deps: AuditReadDeps,
  reader: AuditReader,
  query: Query,
): Promise<Checkpoint> {
  parseNoQuery(query);
  await recordRead(deps, reader, 'checkpoint');
  return takeCheckpoint(deps, wideFigures(reader) ? { kind: 'all' } : reader.visibility);
}

export interface AuditExport {
  contentType: string;
  filename: string;
  body: AsyncGenerator<string>;
}

export async function readExport(
  deps: AuditReadDeps,
  reader: AuditReader,
  query: Query,
  /** Called for each entry exported (CLI progress). */
  onRow?: () => void,
): Promise<AuditExport> {
  const q = parseExportQuery(query, deps.audit.subjectHash);
  await recordRead(deps, reader, 'export', q.recorded);
  const matching = matchingRows(deps.store.db, q.filter, reader.visibility);
  const rows = onRow ? counted(matching, onRow) : matching;
  return q.format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8; header=present', filename: 'audit.csv', body: auditCsv(rows) }
    : {
        contentType: 'application/fhir+json; charset=utf-8',
        filename: 'audit-bundle.json',
        body: auditBundle(rows, {
          registry: deps.registry,
          publicUrl: deps.publicUrl,
          now: deps.clock.now(),
        }),
      };
}

async function* counted<T>(rows: AsyncIterable<T>, onRow: () => void): AsyncGenerator<T> {
  for await (const row of rows) {
    onRow();
    yield row;
  }
}

export async function readSubjectReport(
  deps: AuditReadDeps,
  reader: AuditReader,
  query: Query,
): Promise<SubjectReport> {
  const q = parseSubjectReportQuery(query, deps.audit.subjectHash);
  await recordRead(deps, reader, 'subject-report', q.recorded);
  const subjectHmac = q.filter.subjectHmac ?? '';
  return subjectReport(
    deps.store.db,
    deps.registry,
    { ...q.filter, subjectHmac },
    reader.visibility,
    deps.clock.now(),
  );
}
