/**
 * The IG lead's dry run (issue 6 item 7): given a message, its sending trust and a recipient,
 * say what the gateway would decide and exactly which fields it would disclose, storing and
 * sending nothing. The message goes through the same checks as a real one.
 */
import type { Parameters as FhirParameters, ParametersParameter } from 'fhir/r4.js';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry-types.js';
import { badRequest, unprocessable } from '../fhir/outcome.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import { checkMessage } from '../ingest/check-message.js';
import { parseEvent } from '../ingest/parse-event.js';
import type { IntakeProfiles } from '../ingest/profiles.js';
import { buildDataset } from '../mapping/build-dataset.js';
import { decideFor } from './process-event.js';

export interface DryRunDeps {
  registry: Registry;
  intake: IntakeProfiles;
  trustFhir: TrustFhir;
  clock: Clock;
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
  const event = parseEvent(checked.message, {
    partner: sender,
    profiles: deps.intake,
    receivedAt: at.toISOString(),
  });
  const decision = decideFor(deps.registry, event, recipient, at);
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
    const { fields } = buildDataset({ event, sender, recipient, decision });
    for (const f of fields) params.push({ name: 'field', valueCode: f });
  }
  return { resourceType: 'Parameters', parameter: params };
}
