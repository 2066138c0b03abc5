/**
 * The FHIR endpoints of issue 4: $process-message (scope system/Bundle.c), and the public
 * CapabilityStatement and housing-events CodeSystem. Handlers stay thin (conventions 2): read the
 * request, call the intake stage with plain data, send what it returns.
 */
import { readFileSync } from 'node:fs';
import type { Response } from 'express';
import type { Resource } from 'fhir/r4.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import { capabilityStatement } from '../fhir/capability-statement.js';
import {
  HOUSING_DELAY_REASON_ID,
  housingDelayReasonCodeSystem,
  WARD_SPECIALTY_ID,
  wardSpecialtyCodeSystem,
} from '../fhir/discharge-codes.js';
import { adaptationNeedCodeSystem, tenureCodeSystem } from '../fhir/home-adaptation-codes.js';
import { HOUSING_EVENTS_ID, housingEventsCodeSystem } from '../fhir/housing-events.js';
import { badRequest, notSupported } from '../fhir/outcome.js';
import { processMessage } from '../ingest/process-message.js';
import { countAcceptedMessage } from '../metrics/intake-metrics.js';
import { correlationIdFor } from './request-id.js';
import type { RouteSpec } from './routes.js';

const VERSION = (() => {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const v = (pkg as { version?: unknown }).version;
  return typeof v === 'string' ? v : '0.0.0';
})();

/**
 * `$process-message` has an asynchronous mode (R4 messaging.html, MessageHeader-process-message
 * `async`): the gateway does not offer it, so `async=true` is refused rather than silently
 * answered synchronously (issue 21 item 7); `async=false` is the synchronous mode it does offer.
 */
function refuseAsynchronous(value: unknown): void {
  if (value === undefined || value === 'false') return;
  if (value === 'true') {
    throw notSupported(
      'Asynchronous messaging (async=true) is not supported: send without async (or async=false) and the response message is in the answer',
      'async',
    );
  }
  throw badRequest('async must be true or false', 'async');
}

function sendFhir(res: Response, status: number, body: Resource | string): void {
  res
    .status(status)
    .type('application/fhir+json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function fhirRoutes(deps: Deps): RouteSpec[] {
  const metadata = capabilityStatement({
    publicUrl: deps.settings.publicUrl,
    version: VERSION,
    date: deps.clock.now().toISOString(),
  });
  const codeSystems = [
    [HOUSING_EVENTS_ID, housingEventsCodeSystem(VERSION)],
    [HOUSING_DELAY_REASON_ID, housingDelayReasonCodeSystem(VERSION)],
    [WARD_SPECIALTY_ID, wardSpecialtyCodeSystem(VERSION)],
    // Home adaptations and repairs (issue 19 item 6): the tenure and the OT assessment's needs.
    ['housing-tenure', tenureCodeSystem(VERSION)],
    ['home-adaptation-need', adaptationNeedCodeSystem(VERSION)],
  ] as const;
  return [
    {
      method: 'post',
      // A literal `$` is plain text in express 5 (path-to-regexp 8 reserves only ()[]{}?+!:*).
      path: '/fhir/$process-message',
      scope: 'system/Bundle.c',
      handlers: [
        async (req, res) => {
          // BaRS: echo X-Correlation-Id on every answer, errors included (set before the stage runs);
          // when the trust sent none, the one the gateway gave the message (issue 17 item 9).
          const correlationId = correlationIdFor(req);
          res.setHeader('x-correlation-id', correlationId);
          refuseAsynchronous(req.query.async);
          const result = await processMessage(deps, {
            body: req.body,
            partnerId: callerOf(req).partnerId,
            requestId: String(req.id),
            correlationId,
          });
          sendFhir(res, 200, result.response);
          if (result.kind !== 'accepted') return;
          // Counted after the answer, from what committed; a metrics failure never fails the request.
          await countAcceptedMessage(deps, {
            sender: result.event.sender.partnerId,
            event: result.event.event,
            eventId: result.eventId,
          }).catch((err: unknown) => req.log.warn({ err }, 'metrics: message not counted'));
        },
      ],
    },
    {
      method: 'get',
      path: '/fhir/metadata',
      scope: 'public',
      handlers: [
        (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          sendFhir(res, 200, metadata);
        },
      ],
    },
    // The gateway's own CodeSystems (housing events; issue 19: discharge delay reasons, ward specialty,
    // tenure and home adaptation needs).
    ...codeSystems.map(
      ([id, codeSystem]): RouteSpec => ({
        method: 'get',
        path: `/fhir/CodeSystem/${id}`,
        scope: 'public',
        handlers: [
          (_req, res) => {
            res.setHeader('cache-control', 'public, max-age=3600');
            sendFhir(res, 200, codeSystem);
          },
        ],
      }),
    ),
  ];
}
