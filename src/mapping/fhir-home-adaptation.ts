/**
 * The home adaptation fields in the FHIR form of a referral (issue 19 item 6), built from the
 * dataset only, in the shape the gateway reads them (mapping/home-adaptation-fields.ts): one
 * Observation coded `tenure` with the tenure as its value and the landlord as a component, and
 * one Observation per need the occupational therapy assessment found. R4 Observation, section 8.1.
 */
import type { BundleEntry, Observation } from 'fhir/r4.js';
import { HOME_RECORD_SYSTEM } from '../fhir/home-adaptation-codes.js';
import type { Dataset } from './build-dataset.js';

type Coded = { system: string; code: string; display?: string };
const coding = (c: Coded) => ({
  system: c.system,
  code: c.code,
  ...(c.display ? { display: c.display } : {}),
});

export function homeAdaptationFrom(d: Dataset, fullUrlOf: (name: string) => string): BundleEntry[] {
  const subject = { reference: fullUrlOf('patient') };
  const out: BundleEntry[] = [];
  const tenure = d.tenure as Coded | undefined;
  const landlord = typeof d.landlordName === 'string' ? d.landlordName : undefined;
  if (tenure || landlord) {
    const record: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: HOME_RECORD_SYSTEM, code: 'tenure', display: 'Housing tenure' }] },
      subject,
      ...(tenure ? { valueCodeableConcept: { coding: [coding(tenure)] } } : {}),
      ...(landlord
        ? {
            component: [
              {
                code: { coding: [{ system: HOME_RECORD_SYSTEM, code: 'landlord', display: 'Landlord' }] },
                valueString: landlord,
              },
            ],
          }
        : {}),
    };
    out.push({ fullUrl: fullUrlOf('patient-tenure'), resource: record });
  }
  for (const [i, need] of ((d.adaptationNeeds as Coded[] | undefined) ?? []).entries()) {
    out.push({
      fullUrl: fullUrlOf(`patient-adaptation-need-${i}`),
      resource: { resourceType: 'Observation', status: 'final', code: { coding: [coding(need)] }, subject },
    });
  }
  return out;
}
