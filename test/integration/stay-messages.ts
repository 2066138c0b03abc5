/**
 * One synthetic hospital stay as the trust reports it through `$process-message`: the admission
 * fixture, then an expected discharge and the discharge itself (issue 19 item 2), as later
 * messages about the same Encounter. Shared by the discharge and lifecycle end-to-end tests.
 */
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';

export const HOMEWARD = 'https://homeward.example/fhir';
export const UKCORE = 'https://fhir.hl7.org.uk';
export const DISCHARGE_FIELDS = ['dischargeDateTime', 'dischargeDestination', 'dischargeMethod'];

export type Bundle = { entry: Array<{ resource: JsonObject }> } & JsonObject;

/** The admission fixture's stay, as the trust reports `event` a moment ago (headers of a later message). */
export function message(
  id: string,
  event: JsonObject | undefined,
  change: (encounter: JsonObject) => void = () => {},
): Bundle {
  const b = structuredClone({
    ...fixture('admission'),
    timestamp: new Date().toISOString(),
  }) as unknown as Bundle;
  const header = b.entry[0]?.resource as JsonObject;
  if (event) {
    header.id = id;
    header.eventCoding = event;
    header.reason = {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
    };
  }
  change(b.entry.find((e) => e.resource.resourceType === 'Encounter')?.resource as JsonObject);
  return b;
}

export const admission = () => message('', undefined);
export const expectedDischarge = () =>
  message(
    'a0d11551-0000-4000-8000-0000000019e1',
    { system: `${HOMEWARD}/CodeSystem/homeward-housing-events`, code: 'expected-discharge' },
    (enc) => {
      enc.extension = [
        {
          url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
          valueDateTime: '2026-12-01T12:00:00Z',
        },
        { url: `${HOMEWARD}/StructureDefinition/discharge-ready-date`, valueDate: '2026-11-27' },
        {
          url: `${HOMEWARD}/StructureDefinition/housing-delay-reason`,
          valueCodeableConcept: {
            coding: [{ system: `${HOMEWARD}/CodeSystem/housing-delay-reason`, code: 'awaiting-adaptations' }],
          },
        },
      ];
    },
  );
export const discharge = () =>
  message(
    'a0d11551-0000-4000-8000-0000000019e2',
    { system: 'http://terminology.hl7.org/CodeSystem/v2-0003', code: 'A03' },
    (enc) => {
      enc.status = 'finished';
      enc.period = { start: '2026-11-02T14:30:00Z', end: '2026-12-01T11:00:00Z' };
      enc.extension = [
        {
          url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
          valueDateTime: '2026-12-01T12:00:00Z',
        },
        { url: `${HOMEWARD}/StructureDefinition/discharge-ready-date`, valueDate: '2026-11-27' },
        {
          url: `${UKCORE}/StructureDefinition/Extension-UKCore-DischargeMethod`,
          valueCodeableConcept: {
            coding: [{ system: `${UKCORE}/CodeSystem/UKCore-DischargeMethodEngland`, code: '1' }],
          },
        },
      ];
      enc.hospitalization = {
        dischargeDisposition: {
          coding: [{ system: `${UKCORE}/CodeSystem/UKCore-DischargeDestinationEngland`, code: '19' }],
        },
      };
    },
  );
