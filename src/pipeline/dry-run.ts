/**
 * The IG lead's dry run (issue 6 item 7): given a message, its sending trust and a recipient,
 * say what the gateway would decide and exactly which fields it would disclose, storing and
 * sending nothing. The message goes through the same checks as a real one, and the same path
 * (issue 17 item 4): consents searched on the trust's FHIR server when an agreement says so
 * (a failing server answers 502/504, as intake does), the consents earlier events of the stay
 * left standing, the same decision and the same schema-checked dataset (consent-stage.ts).
 */
import type { Parameters as FhirParameters, ParametersParameter } from 'fhir/r4.js';
import type { AuditLog } from '../audit/types.js';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry-types.js';
import type { Decision } from '../consent/types.js';
import { badRequest, unprocessable } from '../fhir/outcome.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import { checkMessage } from '../ingest/check-message.js';
import { encounterKeyOf, episodeOwner } from '../ingest/episodes.js';
import { issues } from '../ingest/issues.js';
import { parseEvent } from '../ingest/parse-event.js';
import type { IntakeProfiles } from '../ingest/profiles.js';
import { withTrustConsents } from '../ingest/remote-consents.js';
import type { ParsedEvent } from '../ingest/types.js';
import type { Dataset } from '../mapping/build-dataset.js';
import type { DatasetValidators } from '../mapping/dataset-schemas.js';
import { endedReferrals, otherStays } from '../referral/readmissions.js';
import { openEpisodeReferral } from '../referral/referral-store.js';
import type { Store } from '../store/index.js';
import { consentStage } from './consent-stage.js';
import { episodeKey } from './process-event.js';
import { changesFor } from './update-changes.js';

export interface DryRunDeps {
  registry: Registry;
  intake: IntakeProfiles;
  trustFhir: TrustFhir;
  clock: Clock;
  audit: Pick<AuditLog, 'subjectHash'>;
  datasets: DatasetValidators;
  /** Read only: the consents earlier events of the stay left standing. */
  store: Pick<Store, 'db'>;
}

export interface DryRunInput {
  message: unknown;
  sender: string;
  recipient: string;
  /** Evaluate as at this instant (default now), e.g. to review an agreement's next version. */
  at?: Date;
}

const str = (name: string, valueString: string): ParametersParameter => ({ name, valueString });

export async function dryRun(deps: DryRunDeps, input: DryRunInput): Promise<FhirParameters> {
  const sender = deps.registry.partner(input.sender);
  if (!sender?.roles.includes('sender'))
    throw badRequest(`Unknown sending trust: ${input.sender.slice(0, 64)}`, 'Parameters.parameter.sender');
  const recipient = deps.registry.partner(input.recipient);
  if (!recipient?.roles.includes('recipient')) {
    throw badRequest(`Unknown recipient: ${input.recipient.slice(0, 64)}`, 'Parameters.parameter.recipient');
  }
  const checked = await checkMessage(input.message, {
    profiles: deps.intake,
    partner: sender,
    trustFhir: deps.trustFhir,
  });
  if (checked.kind === 'invalid') throw unprocessable(checked.issues);
  const at = input.at ?? deps.clock.now();
  const parsed = parseEvent(checked.message, {
    partner: sender,
    profiles: deps.intake,
    receivedAt: at.toISOString(),
  });
  // As intake: a stay that is another person's is refused (422), never decided (issue 17 item 1).
  const subjectHmac = deps.audit.subjectHash(parsed.patient.nhsNumber);
  const encounterKey = encounterKeyOf(checked.message, sender.id);
  const owner = encounterKey ? await episodeOwner(deps.store.db, encounterKey) : undefined;
  if (encounterKey && owner !== undefined && owner !== subjectHmac)
    throw unprocessable([issues.encounterOfAnotherPerson(encounterKey.expression)]);
  const event = await withTrustConsents(parsed, {
    registry: deps.registry,
    sender,
    trustFhir: deps.trustFhir,
    profiles: deps.intake,
  });
  // No event id: a stay without an encounter is the event itself, which has no standing consents.
  const episode = episodeKey(event, 'dry-run', subjectHmac);
  // As the live pipeline: a readmission is judged against the person's earlier ended referrals.
  const history = otherStays(await endedReferrals(deps.store.db, subjectHmac, at), episode);
  const { decision, built } = await consentStage(deps, deps.store.db, {
    event,
    recipient,
    at,
    episode,
    history,
  });
  const params: ParametersParameter[] = [{ name: 'outcome', valueCode: decision.outcome }];
  if (decision.agreement)
    params.push(str('agreement', `${decision.agreement.id}|${decision.agreement.version}`));
  for (const r of decision.reasons) {
    params.push({ name: 'reason', part: [{ name: 'code', valueCode: r.code }, str('text', r.text)] });
  }
  for (const c of decision.consents)
    params.push(str('consent', c.versionId ? `${c.reference}/_history/${c.versionId}` : c.reference));
  if (decision.outcome === 'permit') {
    params.push(str('referralType', decision.referralType), str('purpose', decision.purpose));
    params.push(
      str(
        'lawfulBasis',
        [decision.lawfulBasis.article6, decision.lawfulBasis.article9, decision.lawfulBasis.basis].join('; '),
      ),
    );
    // The fields a referral would really carry: permitted AND present in this message.
    for (const f of built?.fields ?? []) params.push({ name: 'field', valueCode: f });
    if (built) params.push(...(await updateParams(deps, event, decision, built.dataset, episode)));
  }
  return { resourceType: 'Parameters', parameter: params };
}

/**
 * What the message would say caused it and changed (issue 19 item 2), against what the stay's
 * referral for this recipient holds now: `cause`, `sinceVersion`, `changedField`, `notDisclosedField`.
 */
async function updateParams(
  deps: DryRunDeps,
  event: ParsedEvent,
  decision: Extract<Decision, { outcome: 'permit' }>,
  dataset: Dataset,
  episode: string,
): Promise<ParametersParameter[]> {
  const existing = await openEpisodeReferral(deps.store.db, episode, decision.recipient);
  const recipient = deps.registry.partner(decision.recipient);
  const channel = recipient?.delivery?.mode === 'webhook' ? 'webhook' : 'pull';
  const changes = await changesFor(deps.store.db, existing, channel, {
    type: decision.referralType,
    event: event.event,
    permitted: decision.fields,
    dataset,
  });
  return [
    { name: 'cause', valueCode: event.event },
    ...(changes.sinceVersion !== null ? [{ name: 'sinceVersion', valueInteger: changes.sinceVersion }] : []),
    ...changes.fields.map((f) => ({ name: 'changedField', valueCode: f })),
    ...(changes.notDisclosed ?? []).map((f) => ({ name: 'notDisclosedField', valueCode: f })),
  ];
}
