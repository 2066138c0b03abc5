import type { Encounter } from 'fhir/r4.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { sampleEvent } from './sample-event.js';

const UKCORE = 'https://fhir.hl7.org.uk/CodeSystem';
const HOMEWARD = 'https://homeward.example/fhir';

/** The sample stay, discharged: period.end, UK Core destination and method, and the gateway's extensions. */
export function dischargedEvent(over: Partial<ParsedEvent> = {}): ParsedEvent {
  const event = sampleEvent({ event: 'discharge', ...over });
  const encounter = event.resources.get('Encounter/e1') as Encounter;
  encounter.status = 'finished';
  encounter.period = { start: '2026-11-02T09:15:00Z', end: '2026-11-23T09:30:00Z' };
  encounter.extension = [
    { url: `${HOMEWARD}/StructureDefinition/discharge-ready-date`, valueDate: '2026-11-20' },
    {
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DischargeMethod',
      valueCodeableConcept: { coding: [{ system: `${UKCORE}/UKCore-DischargeMethodEngland`, code: '1' }] },
    },
    {
      url: `${HOMEWARD}/StructureDefinition/housing-delay-reason`,
      valueCodeableConcept: {
        coding: [{ system: `${HOMEWARD}/CodeSystem/housing-delay-reason`, code: 'awaiting-adaptations' }],
      },
    },
    {
      url: `${HOMEWARD}/StructureDefinition/housing-delay-reason`,
      valueCodeableConcept: {
        coding: [
          { system: `${HOMEWARD}/CodeSystem/housing-delay-reason`, code: 'no-accommodation-available' },
        ],
      },
    },
  ];
  const disposition = [
    { system: 'http://snomed.info/sct', code: '306689006', display: 'Discharge to home' },
    {
      system: `${UKCORE}/UKCore-DischargeDestinationEngland`,
      code: '19',
      display: 'Usual place of residence',
    },
  ];
  encounter.hospitalization = { dischargeDisposition: { coding: disposition } };
  const parsed = event.encounter as NonNullable<ParsedEvent['encounter']>;
  event.encounter = {
    ...parsed,
    status: 'finished',
    end: '2026-11-23T09:30:00Z',
    dischargeDisposition: disposition,
  };
  return event;
}
