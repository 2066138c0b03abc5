/**
 * One MessageDefinition per event the gateway accepts (issue 21 item 6; R4 section 4.13,
 * MessageDefinition), which the CapabilityStatement names in `messaging.supportedMessage` and the
 * gateway serves at GET /fhir/MessageDefinition/{id}. The canonical urls are under the constant
 * HOMEWARD_FHIR_BASE, so they are the same at every deployment.
 */
import type { MessageDefinition } from 'fhir/r4.js';
import { messageDefinitionUrl } from './homeward-base.js';
import {
  acceptedEventCodings,
  HOUSING_EVENTS,
  HOUSING_EVENTS_SYSTEM,
  housingEventFor,
} from './housing-events.js';

export const messageDefinitionId = (event: string) => `homeward-${event}`;

export function messageDefinitions(version: string): MessageDefinition[] {
  const mapped = acceptedEventCodings().filter((c) => c.system !== HOUSING_EVENTS_SYSTEM);
  return HOUSING_EVENTS.map((e) => {
    const also = mapped.filter((c) => housingEventFor(c) === e.code).map((c) => `${c.system}#${c.code}`);
    const id = messageDefinitionId(e.code);
    return {
      resourceType: 'MessageDefinition',
      id,
      url: messageDefinitionUrl(id),
      version,
      name: `Homeward${e.display.replace(/[^A-Za-z]/g, '')}`,
      title: `Homeward: ${e.display}`,
      status: 'active',
      experimental: false,
      date: '2026-12-08',
      publisher: 'Homeward',
      description: `${e.definition} Sent with POST [base]/$process-message as a Bundle of type message whose MessageHeader.eventCoding is ${HOUSING_EVENTS_SYSTEM}#${e.code}${also.length ? ` (also accepted: ${also.join(', ')})` : ''}. The answer is a response message whose MessageHeader.focus lists one Task per routed recipient.`,
      eventCoding: { system: HOUSING_EVENTS_SYSTEM, code: e.code, display: e.display },
      category: 'notification',
      responseRequired: 'always',
    };
  });
}
