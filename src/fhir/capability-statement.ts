/**
 * GET /fhir/metadata (R4 section 3.1.0.3, capabilities interaction): what the gateway accepts,
 * how to authenticate (SMART Backend Services, https://hl7.org/fhir/smart-app-launch/backend-services.html,
 * advertised with the SMART oauth-uris extension and the SMART-on-FHIR security service code) and
 * which events it understands.
 */
import type { CapabilityStatement } from 'fhir/r4.js';
import { HOMEWARD_FHIR_BASE } from './homeward-base.js';
import { HOUSING_EVENTS_ID, HOUSING_EVENTS_SYSTEM } from './housing-events.js';

export interface CapabilityInput {
  publicUrl: string;
  version: string;
  date: string;
  /** Canonical urls of the MessageDefinitions of the events accepted (message-definitions.ts). */
  supportedMessages: readonly string[];
}

export function capabilityStatement({
  publicUrl,
  version,
  date,
  supportedMessages,
}: CapabilityInput): CapabilityStatement {
  const fhirBase = `${publicUrl}/fhir`;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Homeward',
    kind: 'instance',
    software: { name: 'Homeward health-to-housing referral gateway', version },
    implementation: { description: 'Homeward gateway', url: fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Send events with POST [base]/$process-message (a Bundle of type message). JSON only: XML is answered 415.',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `${publicUrl}/oauth/token` }],
            },
          ],
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          description: `SMART Backend Services: get an access token from ${publicUrl}/oauth/token with a signed client assertion (private_key_jwt); $process-message needs scope system/Bundle.c.`,
        },
        resource: [
          ...(['CodeSystem', 'MessageDefinition', 'ValueSet'] as const).map((type) => ({
            type,
            documentation: `The gateway's own ${type}s (canonical urls under ${HOMEWARD_FHIR_BASE}), without a token.`,
            interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
            searchParam: [
              {
                name: 'url',
                definition: `http://hl7.org/fhir/SearchParameter/${type}-url`,
                type: 'uri' as const,
                documentation: 'The canonical url',
              },
            ],
          })),
          {
            type: 'Task',
            documentation:
              'The status of each referral a message led to, one Task per routed recipient (scope system/Task.rs). A trust sees only the Tasks of its own messages.',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              {
                name: 'focus',
                definition: 'http://hl7.org/fhir/SearchParameter/Task-focus',
                type: 'reference',
                documentation: 'Your MessageHeader.id (token form system|value or value)',
              },
              {
                name: 'identifier',
                definition: 'http://hl7.org/fhir/SearchParameter/Task-identifier',
                type: 'token',
                documentation: 'A referral id (the Task id)',
              },
            ],
          },
          {
            type: 'Communication',
            documentation:
              "The conversation about a referral (scope system/Communication.crs): basedOn the referral's Task, one payload.contentString. Only the trust that sent the referral sees its Communications.",
            interaction: [{ code: 'create' }, { code: 'read' }, { code: 'search-type' }],
            searchParam: [
              {
                name: 'based-on',
                definition: 'http://hl7.org/fhir/SearchParameter/Communication-based-on',
                type: 'reference',
                documentation: "Task/{id}: the referral's Task (required)",
              },
            ],
          },
        ],
        operation: [
          {
            name: 'process-message',
            definition: 'http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message',
            documentation:
              'Synchronous only. Idempotent per sender and MessageHeader.id: a replay answers the stored response; the same id with other content answers 409.',
          },
        ],
      },
    ],
    messaging: [
      {
        endpoint: [
          {
            protocol: { system: 'http://terminology.hl7.org/CodeSystem/message-transport', code: 'http' },
            address: `${fhirBase}/$process-message`,
          },
        ],
        reliableCache: 0,
        supportedMessage: supportedMessages.map((definition) => ({ mode: 'receiver' as const, definition })),
        documentation: `Events: MessageHeader.eventCoding from ${HOUSING_EVENTS_SYSTEM} (see ${fhirBase}/CodeSystem/${HOUSING_EVENTS_ID}); HL7 v2 A01, A16, A03 and BaRS servicerequest-request are accepted and mapped.`,
      },
    ],
  };
}
