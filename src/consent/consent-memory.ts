/**
 * Consent as a standing state (issue 17 item 11; table `consent_memory`, owned by this stage).
 * A person's Consent is recorded once and stands until it expires, is withdrawn or is replaced
 * (FHIR R4 Consent 10.4.1: a Consent is a record of a choice, not a per-message attachment); a
 * trust need not resend it with every message of a stay.
 *
 * Per person (the audit's subject HMAC, never the NHS number), recipient and stay (a hash of the
 * episode key) the gateway keeps the standing version of each consent series a decision
 * consulted, and where it came from. Later events of the stay are decided on the remembered
 * consents plus whatever the event brings; a later version of a series replaces the earlier one
 * (so an `inactive` version is a withdrawal, as consent-evaluation.ts reads it). Consents from the
 * trust's FHIR server are the server's to say: when it is asked again, one it no longer lists as
 * active is no longer relied on (`withdrawn_at`).
 *
 * What is kept is what the evaluation reads (status, scope, dates, policy, provisions) and the
 * recorder's display name the dataset's `consent` field carries; the patient's identifiers,
 * narrative, attachments and other references are dropped, and `patient` points at a placeholder
 * the evaluation is told stands for this person.
 */
import { createHash } from 'node:crypto';
import type { Consent, Reference } from 'fhir/r4.js';
import type { ConsentRef } from '../audit/types.js';
import type { Db, Tx } from '../store/index.js';
import type { DecisionPatient } from './types.js';

export type ConsentSource = 'message' | 'trust-fhir';

export interface SourcedConsent {
  resource: Consent;
  source: ConsentSource;
  /** When the gateway obtained it (ISO): the message's arrival, or the fetch from the trust. */
  obtainedAt: string;
}

/** Whose consents, to whom, in which stay. */
export interface StandingKey {
  subjectHmac: string;
  recipient: string;
  stay: string;
}

/** The patient reference remembered consents carry in place of the person's identifiers. */
export const REMEMBERED_PATIENT = 'urn:homeward:remembered-patient';

/** The stay a key names: a SHA-256 of the episode key, so no identifier is copied here. */
export const stayOf = (episodeKey: string) => createHash('sha256').update(episodeKey).digest('hex');

/** Versions of one consent share an identifier (as consent-evaluation.ts groups them); else its id. */
export function seriesOf(c: Consent): string {
  const i = c.identifier?.[0];
  return i?.value ? `${i.system ?? ''}|${i.value}` : `id:${c.id ?? ''}`;
}

export const consentRefOf = (c: Consent): ConsentRef => ({
  reference: `Consent/${c.id ?? 'unidentified'}`,
  ...(c.meta?.versionId ? { versionId: c.meta.versionId } : {}),
});

/** The person as remembered consents name them, added to how the event names them. */
export const withRememberedPatient = (p: DecisionPatient): DecisionPatient => ({
  ...p,
  references: [...p.references, REMEMBERED_PATIENT],
});

const displayOnly = (refs: Reference[] | undefined, patient: DecisionPatient) =>
  (refs ?? []).flatMap((r) =>
    r.display &&
    !(r.reference && (patient.references.includes(r.reference) || r.reference.startsWith('Patient/'))) &&
    r.type !== 'Patient'
      ? [{ display: r.display }]
      : [],
  );

/** What the Consent evaluation and the dataset read, and nothing that identifies the person. */
export function minimised(c: Consent, patient: DecisionPatient): Consent {
  const performer = displayOnly(c.performer, patient);
  const organization = displayOnly(c.organization, patient);
  const meta = c.meta
    ? {
        ...(c.meta.versionId ? { versionId: c.meta.versionId } : {}),
        ...(c.meta.lastUpdated ? { lastUpdated: c.meta.lastUpdated } : {}),
        ...(c.meta.security ? { security: c.meta.security } : {}),
      }
    : undefined;
  return {
    resourceType: 'Consent',
    ...(c.id ? { id: c.id } : {}),
    ...(meta ? { meta } : {}),
    ...(c.modifierExtension ? { modifierExtension: c.modifierExtension } : {}),
    ...(c.identifier ? { identifier: c.identifier } : {}),
    status: c.status,
    scope: c.scope,
    category: c.category,
    patient: { reference: REMEMBERED_PATIENT },
    ...(c.dateTime ? { dateTime: c.dateTime } : {}),
    ...(performer.length ? { performer } : {}),
    ...(organization.length ? { organization } : {}),
    ...(c.policy ? { policy: c.policy } : {}),
    ...(c.policyRule ? { policyRule: c.policyRule } : {}),
    ...(c.provision ? { provision: c.provision } : {}),
  };
}

/**
 * One consent per series: the latest by `dateTime` (ties: the later in the list, so what an event
 * brings replaces what was remembered of the same version).
 */
export function standingSet(consents: readonly SourcedConsent[]): SourcedConsent[] {
  const latest = new Map<string, SourcedConsent>();
  for (const c of consents) {
    const key = seriesOf(c.resource);
    const prev = latest.get(key);
    if (!prev || (c.resource.dateTime ?? '') >= (prev.resource.dateTime ?? '')) latest.set(key, c);
  }
  return [...latest.values()];
}

export interface Recalled {
  /** Whether anything was ever remembered for this key (a withdrawn consent included). */
  known: boolean;
  /** The consents still relied on. */
  consents: SourcedConsent[];
}

export async function recall(db: Db | Tx, key: StandingKey): Promise<Recalled> {
  const rows = await db
    .selectFrom('consent_memory')
    .selectAll()
    .where('subject_hmac', '=', key.subjectHmac)
    .where('recipient', '=', key.recipient)
    .where('stay', '=', key.stay)
    .orderBy('series')
    .execute();
  return {
    known: rows.length > 0,
    consents: rows
      .filter((r) => r.withdrawn_at === null)
      .map((r) => ({
        resource: JSON.parse(r.resource) as Consent,
        source: r.source,
        obtainedAt: r.obtained_at,
      })),
  };
}

/**
 * Keep `consents` (already minimised, one per series) as the standing state of `key`. When the
 * trust's server was asked (`trustSearched`), its consents not among them are no longer relied on.
 */
export async function remember(
  tx: Tx,
  key: StandingKey,
  consents: readonly SourcedConsent[],
  o: { trustSearched: boolean; at: Date },
): Promise<void> {
  for (const c of consents) {
    const ref = consentRefOf(c.resource);
    const row = {
      reference: ref.reference,
      version_id: ref.versionId ?? null,
      source: c.source,
      resource: JSON.stringify(c.resource),
      obtained_at: c.obtainedAt,
      withdrawn_at: null,
    };
    await tx
      .insertInto('consent_memory')
      .values({
        subject_hmac: key.subjectHmac,
        recipient: key.recipient,
        stay: key.stay,
        series: seriesOf(c.resource),
        ...row,
      })
      .onConflict((oc) => oc.columns(['subject_hmac', 'recipient', 'stay', 'series']).doUpdateSet(row))
      .execute();
  }
  if (!o.trustSearched) return;
  const listed = consents.filter((c) => c.source === 'trust-fhir').map((c) => seriesOf(c.resource));
  let gone = tx
    .updateTable('consent_memory')
    .set({ withdrawn_at: o.at.toISOString() })
    .where('subject_hmac', '=', key.subjectHmac)
    .where('recipient', '=', key.recipient)
    .where('stay', '=', key.stay)
    .where('source', '=', 'trust-fhir')
    .where('withdrawn_at', 'is', null);
  if (listed.length > 0) gone = gone.where('series', 'not in', listed);
  await gone.execute();
}

/** Consents of `key` no longer relied on: the trust's server no longer has them (send-time re-check). */
export async function markWithdrawn(tx: Tx, key: StandingKey, series: readonly string[], at: Date) {
  if (series.length === 0) return;
  await tx
    .updateTable('consent_memory')
    .set({ withdrawn_at: at.toISOString() })
    .where('subject_hmac', '=', key.subjectHmac)
    .where('recipient', '=', key.recipient)
    .where('stay', '=', key.stay)
    .where('series', 'in', series)
    .where('withdrawn_at', 'is', null)
    .execute();
}
