/**
 * The stay in the FHIR form of a referral: an Encounter built from the dataset's care-setting and
 * discharge fields only, each in the element or extension a trust sends it in (fhir/discharge-codes.ts):
 * period.start and period.end, the R5 plannedEndDate, UK Core dischargeDisposition and
 * Extension-UKCore-DischargeMethod, and the gateway's discharge-ready-date, housing-delay-reason
 * and ward-specialty extensions. A discharged stay is `finished`.
 */
import type { Encounter, Extension } from 'fhir/r4.js';
import {
  DISCHARGE_READY_DATE_URL,
  HOUSING_DELAY_REASON_SYSTEM,
  HOUSING_DELAY_REASON_URL,
  UKCORE_DISCHARGE_METHOD_URL,
  WARD_SPECIALTY_SYSTEM,
  WARD_SPECIALTY_URL,
} from '../fhir/discharge-codes.js';
import { ODS_ORGANISATION_SYSTEM } from '../fhir/systems.js';
import type { Dataset } from './build-dataset.js';

type Coded = { system?: string; code: string; display?: string };
const PLANNED_END_URL = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate';
const STAY_FIELDS = [
  'admissionDate',
  'expectedDischargeDate',
  'ward',
  'serviceType',
  'dischargeReadyDate',
  'dischargeDateTime',
  'dischargeDestination',
  'dischargeMethod',
  'housingDelayReasons',
  'wardSpecialty',
] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const coding = (c: Coded) => ({
  ...(c.system ? { system: c.system } : {}),
  code: c.code,
  ...(c.display ? { display: c.display } : {}),
});

function stayExtensions(d: Dataset): Extension[] {
  const planned = str(d.expectedDischargeDate);
  const ready = str(d.dischargeReadyDate);
  const method = d.dischargeMethod as Coded | undefined;
  const specialty = str(d.wardSpecialty);
  return [
    ...(planned ? [{ url: PLANNED_END_URL, valueDateTime: planned }] : []),
    ...(ready ? [{ url: DISCHARGE_READY_DATE_URL, valueDate: ready }] : []),
    ...(method
      ? [{ url: UKCORE_DISCHARGE_METHOD_URL, valueCodeableConcept: { coding: [coding(method)] } }]
      : []),
    ...((d.housingDelayReasons as string[] | undefined) ?? []).map((code) => ({
      url: HOUSING_DELAY_REASON_URL,
      valueCodeableConcept: { coding: [{ system: HOUSING_DELAY_REASON_SYSTEM, code }] },
    })),
    ...(specialty
      ? [{ url: WARD_SPECIALTY_URL, valueCoding: { system: WARD_SPECIALTY_SYSTEM, code: specialty } }]
      : []),
  ];
}

/** The Encounter, or undefined when the dataset holds none of its fields. */
export function stayFrom(d: Dataset, subject: { reference: string }): Encounter | undefined {
  if (!STAY_FIELDS.some((f) => d[f] !== undefined)) return undefined;
  const hospital = d.hospital as { odsCode: string; name: string } | undefined;
  const start = str(d.admissionDate);
  const end = str(d.dischargeDateTime);
  const destination = d.dischargeDestination as Coded | undefined;
  const extension = stayExtensions(d);
  return {
    resourceType: 'Encounter',
    ...(extension.length ? { extension } : {}),
    status: end ? 'finished' : 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject,
    ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
    ...(Array.isArray(d.serviceType) && d.serviceType[0]
      ? { serviceType: { coding: [d.serviceType[0] as { code: string }] } }
      : {}),
    ...(destination ? { hospitalization: { dischargeDisposition: { coding: [coding(destination)] } } } : {}),
    ...(typeof d.ward === 'string' ? { location: [{ location: { display: d.ward } }] } : {}),
    ...(hospital
      ? {
          serviceProvider: {
            identifier: { system: ODS_ORGANISATION_SYSTEM, value: hospital.odsCode },
            display: hospital.name,
          },
        }
      : {}),
  };
}
