/**
 * POST /consent/$evaluate (scope audit.read): the dry run for IG leads. Input is a FHIR
 * Parameters resource with `message` (the Bundle), `sender` and `recipient` (partner ids) and
 * optionally `at` (dateTime); output a Parameters with the decision. Nothing is stored or sent,
 * and nothing is audited: no personal data leaves the gateway, only the IG lead's own input.
 * An auditor may evaluate only a pair of which it audits the sender or the recipient (403
 * otherwise), as the audit's own isolation rule lets it see those partners' decisions.
 */
import type { Parameters as FhirParameters } from 'fhir/r4.js';
import { auditsPair, visibilityOf } from '../audit/query.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import { badRequest, forbidden } from '../fhir/outcome.js';
import { dryRun } from '../pipeline/dry-run.js';
import type { RouteSpec } from './routes.js';

function readInput(body: unknown) {
  const p = body as Partial<FhirParameters> | undefined;
  if (p?.resourceType !== 'Parameters' || !Array.isArray(p.parameter)) {
    throw badRequest('Send a FHIR Parameters resource with message, sender and recipient', 'Parameters');
  }
  const find = (name: string) => p.parameter?.find((x) => x.name === name);
  const message = find('message')?.resource;
  const sender = find('sender')?.valueString;
  const recipient = find('recipient')?.valueString;
  const at = find('at')?.valueDateTime;
  const missing = [
    !message && 'message (resource)',
    !sender && 'sender (valueString)',
    !recipient && 'recipient (valueString)',
  ].filter(Boolean);
  if (missing.length > 0)
    throw badRequest(`Missing parameters: ${missing.join(', ')}`, 'Parameters.parameter');
  if (at !== undefined && Number.isNaN(Date.parse(at)))
    throw badRequest('at must be a dateTime', 'Parameters.parameter.at');
  return {
    message,
    sender: String(sender),
    recipient: String(recipient),
    ...(at ? { at: new Date(at) } : {}),
  };
}

export function consentRoutes(deps: Deps): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/consent/$evaluate',
      scope: 'audit.read',
      handlers: [
        async (req, res) => {
          const input = readInput(req.body);
          // Authorisation at the edge, before any evaluation (issue 17 item 8): the dry run
          // shows an agreement's terms and decision, so only for a pair the auditor audits.
          const visibility = visibilityOf(deps.registry, callerOf(req).partnerId);
          if (!auditsPair(visibility, input.sender, input.recipient)) {
            throw forbidden(
              'Neither sender nor recipient is a partner this auditor audits (auditOf)',
              'Parameters.parameter',
            );
          }
          const result = await dryRun(deps, input);
          res.type('application/fhir+json').send(JSON.stringify(result));
        },
      ],
    },
  ];
}
