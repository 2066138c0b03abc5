/**
 * The resources of the FHIR form of a referral, each built from dataset fields only: the
 * Patient (name, NHS number, birth date, contact details, language), the stay (Encounter, in
 * fhir-referral-stay.ts), the
 * consent record, flags and support needs, and the professionals. Absent fields, absent elements.
 */
import type { BundleEntry, ContactPoint, Patient } from 'fhir/r4.js';
import { NHS_NUMBER_SYSTEM } from '../fhir/nhs-number.js';
import type { Dataset } from './build-dataset.js';
import { homeAdaptationFrom } from './fhir-home-adaptation.js';
import { stayFrom } from './fhir-referral-stay.js';

type Name = { text?: string; given?: string[]; family?: string; prefix?: string[] };
type Contact = {
  phones?: Array<{ value: string; use?: string }>;
  emails?: Array<{ value: string; use?: string }>;
  address?: { lines?: string[]; city?: string; district?: string; postcode?: string };
};
type Professional = { name?: string; role?: string; phone?: string; email?: string };
const USES = new Set(['home', 'work', 'temp', 'old', 'mobile']);
const point = (system: 'phone' | 'email', p: { value: string; use?: string }): ContactPoint => ({
  system,
  value: p.value,
  ...(p.use && USES.has(p.use) ? { use: p.use as ContactPoint['use'] } : {}),
});

export function patientFrom(d: Dataset): Patient {
  const name = d.name as Name | undefined;
  const contact = d.contactDetails as Contact | undefined;
  const language = d.language as { code: string; display?: string } | undefined;
  const telecom = [
    ...(contact?.phones ?? []).map((p) => point('phone', p)),
    ...(contact?.emails ?? []).map((e) => point('email', e)),
  ];
  const a = contact?.address;
  return {
    resourceType: 'Patient',
    ...(typeof d.nhsNumber === 'string'
      ? { identifier: [{ system: NHS_NUMBER_SYSTEM, value: d.nhsNumber }] }
      : {}),
    ...(name ? { name: [{ ...name }] } : {}),
    ...(telecom.length ? { telecom } : {}),
    ...(typeof d.birthDate === 'string' ? { birthDate: d.birthDate } : {}),
    ...(a
      ? {
          address: [
            {
              use: 'home' as const,
              ...(a.lines ? { line: a.lines } : {}),
              ...(a.city ? { city: a.city } : {}),
              ...(a.district ? { district: a.district } : {}),
              ...(a.postcode ? { postalCode: a.postcode } : {}),
            },
          ],
        }
      : {}),
    ...(language
      ? {
          communication: [
            {
              language: {
                coding: [
                  {
                    system: 'urn:ietf:bcp:47',
                    code: language.code,
                    ...(language.display ? { display: language.display } : {}),
                  },
                ],
              },
              preferred: true,
            },
          ],
        }
      : {}),
  };
}

/** `fullUrlOf(name)`: the fullUrl of the part called `name` (`patient`, `patient-stay`, ...). */
export function supportingFrom(d: Dataset, fullUrlOf: (name: string) => string): BundleEntry[] {
  const out: BundleEntry[] = [];
  const add = (key: string, resource: BundleEntry['resource']): void => {
    out.push({ fullUrl: fullUrlOf(`patient-${key}`), resource });
  };
  const subject = { reference: fullUrlOf('patient') };
  const stay = stayFrom(d, subject);
  if (stay) add('stay', stay);
  const consent = d.consent as { referral?: boolean; recordedAt?: string } | undefined;
  if (consent?.referral) {
    add('consent', {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: subject,
      ...(consent.recordedAt ? { dateTime: consent.recordedAt } : {}),
      // R4 invariant ppc-1 (policy or policyRule): the person opted in to this referral
      // (v3-ActCode OPTIN, in R4's ValueSet consent-policy).
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'permit' },
    });
  }
  const flags: Array<[string, string]> = [
    ['riskFlags', 'safety'],
    ['vulnerability', 'behavioral'],
    ['accessibilityNeeds', 'contact'],
    ['safeguardingFlags', 'clinical'],
  ];
  for (const [field, category] of flags) {
    (d[field as keyof Dataset] as string[] | undefined)?.forEach((text, i) => {
      add(`${field}-${i}`, {
        resourceType: 'Flag',
        status: 'active',
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: category }] },
        ],
        code: { text },
        subject,
      });
    });
  }
  for (const [i, text] of ((d.supportNeeds as string[] | undefined) ?? []).entries()) {
    add(`need-${i}`, { resourceType: 'Condition', code: { text }, subject });
  }
  for (const key of ['referrer', 'keyWorker'] as const) {
    const p = d[key] as Professional | undefined;
    if (!p) continue;
    const telecom = [
      ...(p.phone ? [point('phone', { value: p.phone })] : []),
      ...(p.email ? [point('email', { value: p.email })] : []),
    ];
    add(key, {
      resourceType: 'PractitionerRole',
      ...(p.role ? { code: [{ text: p.role }] } : {}),
      ...(telecom.length ? { telecom } : {}),
      ...(p.name ? { practitioner: { display: p.name } } : {}),
    });
  }
  out.push(...homeAdaptationFrom(d, fullUrlOf));
  return out;
}
