/**
 * The consent stage, one function for the live pipeline and the IG dry run (issue 17 item 4):
 * gather the person's consents (what the event brought, what the trust's FHIR server holds when
 * an agreement says so, and what earlier events of the stay left standing, consent-memory.ts),
 * decide (the pure consent/decide.ts), and build the dataset a permit allows, checked against its
 * schema. The live pipeline then stores and remembers; the dry run only reports. Because both
 * take this path, `POST /consent/$evaluate` answers what the pipeline would do.
 */
import type { AuditLog } from '../audit/types.js';
import type { Partner, Registry } from '../config/registry-types.js';
import {
  type Recalled,
  recall,
  type SourcedConsent,
  type StandingKey,
  standingSet,
  stayOf,
  withRememberedPatient,
} from '../consent/consent-memory.js';
import { decide } from '../consent/decide.js';
import { disclosureFacts } from '../consent/disclosure-facts.js';
import type { Decision, DecisionEvent } from '../consent/types.js';
import { isNoFixedAbode } from '../fhir/address.js';
import type { ParsedEvent } from '../ingest/types.js';
import type { Logger } from '../log.js';
import type { BuiltDataset } from '../mapping/build-dataset.js';
import { DatasetInvalidError, type DatasetValidators } from '../mapping/dataset-schemas.js';
import type { EndedReferral, ReadmissionLink } from '../referral/readmissions.js';
import type { Db, Tx } from '../store/index.js';
import { readmissionOfStay } from './readmission-stage.js';
import { datasetFor } from './refer.js';

export interface ConsentStageDeps {
  registry: Registry;
  audit: Pick<AuditLog, 'subjectHash'>;
  datasets: DatasetValidators;
  logger?: Logger;
}

export interface ConsentStageInput {
  event: ParsedEvent;
  recipient: Partner;
  at: Date;
  /** The stay (pipeline episode key): remembered consents are reused within it. */
  episode: string;
  /** The person's referrals of earlier stays that ended recently (referral/readmissions.ts). */
  history?: readonly EndedReferral[];
}

export interface Gathered {
  key: StandingKey;
  /** One per consent series, the standing version: remembered, then the event's (which win ties). */
  consents: SourcedConsent[];
  /** Whether the trust's server was asked for this event (its answer then replaces what was remembered from it). */
  trustSearched: boolean;
}

export interface StageResult {
  decision: Decision;
  gathered: Gathered;
  /** The event as decided: its consents are the gathered ones (the dataset's `consent` field reads them). */
  event: ParsedEvent;
  /** For a permit: the minimised dataset, schema-checked. */
  built?: BuiltDataset;
  /** For a permit that makes a new referral of a readmission: the link to store with it. */
  newReadmission?: ReadmissionLink;
}

export function decisionEvent(e: ParsedEvent, history: readonly EndedReferral[] = []): DecisionEvent {
  return {
    code: e.event,
    occurredAt: e.occurredAt,
    sender: e.sender.partnerId,
    restricted: e.restricted,
    ...(e.patient.deceased ? { deceased: true } : {}),
    ...(e.encounter
      ? { encounterClass: e.encounter.class, serviceTypes: e.encounter.serviceTypes.map((s) => s.code) }
      : {}),
    // ZZ99 3VZ is the NHS pseudo-postcode for no fixed abode: it places the person nowhere.
    ...(e.patient.postcodeDistrict && !isNoFixedAbode(e.patient.postcode)
      ? { postcodeDistrict: e.patient.postcodeDistrict }
      : {}),
    ...(e.serviceRequest ? { chosenRecipientOds: e.serviceRequest.performerOds } : {}),
    ...(history.length
      ? { earlierEndings: history.map((h) => ({ recipient: h.recipient, endedAt: h.endedAt })) }
      : {}),
  };
}

/**
 * The pure decision for one candidate, fed from the event as gathered (its `consents` already
 * the standing set): the message's records go with it so that provision.data and the like are
 * judged against what the referral would carry (issue 17 item 2).
 */
export function decideFor(
  registry: Registry,
  event: ParsedEvent,
  recipient: Partner,
  at: Date,
  history: readonly EndedReferral[] = [],
): Decision {
  return decide({
    event: decisionEvent(event, history),
    patient: withRememberedPatient(event.patient),
    recipient,
    agreements: registry.agreements,
    consents: event.consents,
    now: at,
    facts: disclosureFacts(event.resources, recipient.odsCode, event.sender.odsCode),
  });
}

/** The consents a decision for `recipient` sees: the standing ones of the stay plus the event's. */
export function gatherFrom(recalled: Recalled, key: StandingKey, event: ParsedEvent, at: Date): Gathered {
  const trustSearched = event.trustConsents !== undefined;
  const fromTrust = new Set((event.trustConsents ?? []).map((c) => c.id));
  const obtainedAt = at.toISOString();
  const brought: SourcedConsent[] = event.consents.map((c) => ({
    resource: c,
    source: c.id !== undefined && fromTrust.has(c.id) ? 'trust-fhir' : 'message',
    obtainedAt,
  }));
  // What the trust's server says now replaces what it said before.
  const remembered = recalled.consents.filter((c) => !(trustSearched && c.source === 'trust-fhir'));
  return { key, consents: standingSet([...remembered, ...brought]), trustSearched };
}

export async function gatherConsents(
  db: Db | Tx,
  deps: Pick<ConsentStageDeps, 'audit'>,
  input: ConsentStageInput,
): Promise<Gathered> {
  const key: StandingKey = {
    subjectHmac: deps.audit.subjectHash(input.event.patient.nhsNumber),
    recipient: input.recipient.id,
    stay: stayOf(input.episode),
  };
  return gatherFrom(await recall(db, key), key, input.event, input.at);
}

/** Gather, decide, build: the decision for one candidate recipient, with no write. */
export async function consentStage(
  deps: ConsentStageDeps,
  db: Db | Tx,
  input: ConsentStageInput,
): Promise<StageResult> {
  const gathered = await gatherConsents(db, deps, input);
  const event: ParsedEvent = { ...input.event, consents: gathered.consents.map((c) => c.resource) };
  const history = input.history ?? [];
  const decision = decideFor(deps.registry, event, input.recipient, input.at, history);
  if (decision.outcome !== 'permit') return { decision, gathered, event };
  const readmission = await readmissionOfStay(db, deps.registry, input, decision, history);
  try {
    return {
      decision,
      gathered,
      event,
      built: datasetFor(deps, event, decision, input.recipient, readmission.field),
      ...(readmission.created ? { newReadmission: readmission.created } : {}),
    };
  } catch (err) {
    if (!(err instanceof DatasetInvalidError)) throw err;
    // A gateway fault (mapping or schema), not the trust's: this recipient is withheld with
    // the reason, the other recipients and the message itself go on.
    deps.logger?.error(
      { recipient: input.recipient.id, referralType: err.type, problems: err.problems },
      'referral dataset failed its schema: withheld',
    );
    return { decision: datasetWithheld(decision, err), gathered, event };
  }
}

/** A permit whose dataset failed its schema becomes a withhold naming the failing paths (never values). */
function datasetWithheld(
  d: Extract<Decision, { outcome: 'permit' }>,
  err: DatasetInvalidError,
): Extract<Decision, { outcome: 'withhold' }> {
  return {
    outcome: 'withhold',
    recipient: d.recipient,
    agreement: d.agreement,
    consents: d.consents,
    reasons: [
      {
        code: 'dataset-invalid',
        text: `The ${err.type} referral built for this recipient does not match its dataset schema (${err.problems.join('; ')}); nothing was sent. This is a gateway fault: tell the gateway operator.`,
        agreementId: d.agreement.id,
      },
    ],
  };
}
