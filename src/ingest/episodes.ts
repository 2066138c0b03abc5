/**
 * Whose stay an encounter identifier is (issue 17 item 1; table `episodes`, owned by ingest).
 * A trust's Encounter.identifier names one person's stay: the first message carrying it claims it
 * for that person (by subject HMAC, never the NHS number), and a later message carrying it for
 * someone else is refused before anything is stored, so one person's data can never travel as an
 * update of another person's referral. The claim is an insert that does nothing on conflict, run
 * in the event's transaction: of two messages racing for a new identifier, in one process or
 * several, the second sees the first's row once it commits (the primary key decides).
 */
import type { Db, Tx } from '../store/index.js';
import { primaryOf } from './extract.js';
import { asArray, asString, isObject, type Message } from './message.js';

export interface EncounterKey {
  sender: string;
  system: string;
  value: string;
  /** Where the identifier is in the message, for the OperationOutcome (`Bundle.entry[2].resource.identifier[0]`). */
  expression: string;
}

/** The encounter identifier a message is keyed by: the first with a value, as parse-event.ts reads it. */
export function encounterKeyOf(m: Message, sender: string): EncounterKey | undefined {
  const encounter = primaryOf(m, 'Encounter');
  if (!encounter) return undefined;
  const identifiers = asArray(encounter.resource.identifier);
  const i = identifiers.findIndex((id) => isObject(id) && asString(id.value));
  const id = identifiers[i];
  if (!isObject(id)) return undefined;
  return {
    sender,
    system: asString(id.system) ?? '',
    value: asString(id.value) ?? '',
    expression: `${encounter.expression}.identifier[${i}]`,
  };
}

/** The subject HMAC of the person the identifier belongs to, if it is claimed. */
export async function episodeOwner(db: Db | Tx, key: EncounterKey): Promise<string | undefined> {
  const row = await db
    .selectFrom('episodes')
    .select('subject_hmac')
    .where('sender', '=', key.sender)
    .where('encounter_system', '=', key.system)
    .where('encounter_value', '=', key.value)
    .executeTakeFirst();
  return row?.subject_hmac;
}

/** Claim the identifier for `subjectHmac` (a no-op when already theirs); false when it is another person's. */
export async function claimEpisode(
  tx: Tx,
  key: EncounterKey,
  claim: { subjectHmac: string; eventId: string; at: string },
): Promise<boolean> {
  await tx
    .insertInto('episodes')
    .values({
      sender: key.sender,
      encounter_system: key.system,
      encounter_value: key.value,
      subject_hmac: claim.subjectHmac,
      event_id: claim.eventId,
      created_at: claim.at,
    })
    .onConflict((oc) => oc.columns(['sender', 'encounter_system', 'encounter_value']).doNothing())
    .execute();
  return (await episodeOwner(tx, key)) === claim.subjectHmac;
}

/** Thrown inside the event's transaction when the claim loses a race: the transaction rolls back. */
export class EncounterOfAnotherPerson extends Error {
  override name = 'EncounterOfAnotherPerson';
  constructor(readonly key: EncounterKey) {
    super('encounter identifier belongs to another person');
  }
}
