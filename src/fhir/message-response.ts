/**
 * The response message to an accepted $process-message call (R4 section 2.4.1, "Messaging
 * using FHIR resources": the receiver answers with a Bundle of type message whose MessageHeader
 * has `response.identifier` = the request's MessageHeader.id and `response.code` = ok).
 */
import type { Bundle, BundleEntry, Coding, MessageHeader, OperationOutcome } from 'fhir/r4.js';
import { identifierSystem } from './homeward-base.js';

export const EVENT_ID_SYSTEM = identifierSystem('event');

export interface ResponseMessageInput {
  /** Ids for the response Bundle and its MessageHeader (from the gateway's id generator). */
  bundleId: string;
  headerId: string;
  /** The gateway's id for the stored event, so a trust can quote it to support. */
  eventId: string;
  timestamp: string;
  /** The request's MessageHeader id, event and source endpoint. */
  requestId: string;
  eventCoding: Coding;
  requestSourceEndpoint?: string;
  /** `${PUBLIC_URL}/fhir/$process-message` */
  gatewayEndpoint: string;
  /** What the message led to (one Task per routed recipient, issue 7): the header's focus. */
  entries?: BundleEntry[];
  /**
   * Warnings about an accepted message (e.g. a reference to something not sent that the gateway
   * does not use): carried as `MessageHeader.response.details` (R4 MessageHeader: "full details
   * of any issues found in the message"), the OperationOutcome in the Bundle under this id.
   */
  warnings?: { id: string; outcome: OperationOutcome };
}

export function responseMessage(input: ResponseMessageInput): Bundle {
  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id: input.headerId,
    eventCoding: { system: input.eventCoding.system, code: input.eventCoding.code },
    ...(input.requestSourceEndpoint ? { destination: [{ endpoint: input.requestSourceEndpoint }] } : {}),
    source: { name: 'Homeward', endpoint: input.gatewayEndpoint },
    response: {
      identifier: input.requestId,
      code: 'ok',
      ...(input.warnings ? { details: { reference: `urn:uuid:${input.warnings.id}` } } : {}),
    },
    ...(input.entries?.length
      ? { focus: input.entries.flatMap((e) => (e.fullUrl ? [{ reference: e.fullUrl }] : [])) }
      : {}),
  };
  return {
    resourceType: 'Bundle',
    id: input.bundleId,
    identifier: { system: EVENT_ID_SYSTEM, value: input.eventId },
    type: 'message',
    timestamp: input.timestamp,
    entry: [
      { fullUrl: `urn:uuid:${input.headerId}`, resource: header },
      ...(input.entries ?? []),
      ...(input.warnings
        ? [
            {
              fullUrl: `urn:uuid:${input.warnings.id}`,
              resource: { ...input.warnings.outcome, id: input.warnings.id },
            },
          ]
        : []),
    ],
  };
}
