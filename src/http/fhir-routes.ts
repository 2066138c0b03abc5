/**
 * The FHIR endpoints of issue 4: $process-message (scope system/Bundle.c), and the public
 * CapabilityStatement and the gateway's conformance resources (CodeSystem, ValueSet,
 * MessageDefinition: read and search by url). Handlers stay thin (conventions 2): read the
 * request, call the intake stage with plain data, send what it returns.
 */
import { readFileSync } from 'node:fs';
import type { Response } from 'express';
import type { Bundle, CodeSystem, MessageDefinition, Resource, ValueSet } from 'fhir/r4.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import { capabilityStatement } from '../fhir/capability-statement.js';
import { gatewayCodeSystems, gatewayValueSets } from '../fhir/gateway-terminology.js';
import { messageDefinitions } from '../fhir/message-definitions.js';
import { badRequest, notFound, notSupported } from '../fhir/outcome.js';
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

/** A searchset of conformance resources (R4 section 3.1.1.2, search-type; `url` is the only parameter). */
type Conformance = CodeSystem | ValueSet | MessageDefinition;

function searchset(publicUrl: string, type: string, resources: readonly Conformance[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(resources.length
      ? {
          entry: resources.map((r) => ({
            fullUrl: `${publicUrl}/fhir/${type}/${r.id}`,
            resource: r,
            search: { mode: 'match' as const },
          })),
        }
      : {}),
  };
}

export function fhirRoutes(deps: Deps): RouteSpec[] {
  // The gateway's own conformance resources (issue 21 item 6): every CodeSystem it emits or
  // accepts, a ValueSet of each, a MessageDefinition per accepted event. Canonical urls are
  // constant (src/fhir/homeward-base.ts); each deployment serves them here.
  const purposes = [...new Set(deps.registry.agreements.map((a) => a.purpose))].sort();
  const codeSystems = gatewayCodeSystems(VERSION, purposes);
  const definitions = messageDefinitions(VERSION);
  const conformance: Record<string, readonly Conformance[]> = {
    CodeSystem: codeSystems,
    ValueSet: gatewayValueSets(codeSystems),
    MessageDefinition: definitions,
  };
  const metadata = capabilityStatement({
    publicUrl: deps.settings.publicUrl,
    version: VERSION,
    date: deps.clock.now().toISOString(),
    supportedMessages: definitions.map((m) => m.url as string),
  });
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
    ...Object.entries(conformance).flatMap(([type, resources]): RouteSpec[] => [
      {
        method: 'get',
        path: `/fhir/${type}`,
        scope: 'public',
        handlers: [
          (req, res) => {
            const unknown = Object.keys(req.query).filter((k) => k !== 'url' && k !== '_format');
            if (unknown.length > 0)
              throw badRequest(`Unsupported search parameter: ${unknown.join(', ')}`.slice(0, 200));
            const url = typeof req.query.url === 'string' ? req.query.url : undefined;
            const found = resources.filter((r) => url === undefined || r.url === url);
            res.setHeader('cache-control', 'public, max-age=3600');
            sendFhir(res, 200, searchset(deps.settings.publicUrl, type, found));
          },
        ],
      },
      {
        method: 'get',
        path: `/fhir/${type}/:id`,
        scope: 'public',
        handlers: [
          (req, res) => {
            const id = String(req.params.id);
            const found = resources.find((r) => r.id === id);
            if (!found) throw notFound(`No ${type} ${/^[A-Za-z0-9\-.]{1,64}$/.test(id) ? id : ''}`.trim());
            res.setHeader('cache-control', 'public, max-age=3600');
            sendFhir(res, 200, found);
          },
        ],
      },
    ]),
  ];
}
