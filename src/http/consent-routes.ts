/**
 * POST /consent/$evaluate (scope audit.read): the dry run for IG leads. Input is a FHIR
 * Parameters resource with `message` (the Bundle), `sender` and `recipient` (partner ids) and
 * optionally `at` (dateTime); output a Parameters with the decision. Nothing is stored or sent,
 * and nothing is audited: no personal data leaves the gateway, only the IG lead's own input.
 */
import type { Parameters as FhirParameters } from 'fhir/r4.js';
import type { Deps } from '../deps.js';
import { badRequest } from '../fhir/outcome.js';
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
          const result = await dryRun(deps, readInput(req.body));
          res.type('application/fhir+json').send(JSON.stringify(result));
        },
      ],
    },
  ];
}
