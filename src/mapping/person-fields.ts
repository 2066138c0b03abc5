/**
 * Readers for the fields about the person: name, contact details, language. Each reads only
 * the FHIR elements its field needs (minimisation starts at the read).
 */
import type { ContactPoint, HumanName, Patient } from 'fhir/r4.js';
import { currentAddress, isNoFixedAbode } from '../fhir/address.js';
import { type MappingContext, patientOf } from './context.js';

function officialName(p: Patient): HumanName | undefined {
  const names = (p.name ?? []).filter((n) => n.use !== 'old' && !n.period?.end);
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
}

export function readName(ctx: MappingContext) {
  const n = patientOf(ctx) && officialName(patientOf(ctx) as Patient);
  if (!n) return undefined;
  const text = n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
  return {
    ...(text ? { text } : {}),
    ...(n.prefix?.length ? { prefix: n.prefix } : {}),
    ...(n.given?.length ? { given: n.given } : {}),
    ...(n.family ? { family: n.family } : {}),
  };
}

type CurrentPoint = ContactPoint & { value: string };
const current = (c: ContactPoint): c is CurrentPoint => !!c.value && !c.period?.end && c.use !== 'old';
const point = (c: CurrentPoint) => ({ value: c.value, ...(c.use ? { use: c.use } : {}) });

export function readContactDetails(ctx: MappingContext) {
  const p = patientOf(ctx);
  if (!p) return undefined;
  // Stryker disable next-line ArrayDeclaration: a string in the list has no value, so `current` drops it as if the list were empty
  const telecom = (p.telecom ?? []).filter(current);
  const phones = telecom.filter((c) => c.system === 'phone' || c.system === 'sms').map(point);
  const emails = telecom.filter((c) => c.system === 'email').map(point);
  // The address current when the message arrived, as catchment used (fhir/address.ts).
  const home = currentAddress(p.address, new Date(ctx.event.receivedAt));
  const noFixedAbode = isNoFixedAbode(home?.postalCode);
  const address =
    home && !noFixedAbode
      ? {
          ...(home.line?.length ? { lines: home.line } : {}),
          ...(home.city ? { city: home.city } : {}),
          ...(home.district ? { district: home.district } : {}),
          ...(home.postalCode ? { postcode: home.postalCode } : {}),
        }
      : undefined;
  // Never empty: there is an address, no fixed abode, or no current address to say.
  return {
    ...(phones.length ? { phones } : {}),
    ...(emails.length ? { emails } : {}),
    ...(address ? { address } : {}),
    ...(noFixedAbode ? { noFixedAbode: true } : {}),
    // Only previous addresses (or none) were sent: say so rather than claim no fixed abode.
    ...(!home ? { noCurrentAddress: true } : {}),
  };
}

/** The contact point ranked first (ContactPoint.rank 1 = preferred), as a method. */
export function readPreferredContactMethod(ctx: MappingContext) {
  const p = patientOf(ctx);
  // Stryker disable next-line ArrayDeclaration: a string in the list has no value, so `current` drops it as if the list were empty
  const telecom = (p?.telecom ?? []).filter(current);
  const ranked = [...telecom].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))[0];
  if (ranked?.system === 'phone' || ranked?.system === 'sms' || ranked?.system === 'email')
    return ranked.system;
  // No phone or email: a letter to the home address is the only way left.
  const home = p && currentAddress(p.address, new Date(ctx.event.receivedAt));
  return telecom.length === 0 && home && !isNoFixedAbode(home.postalCode) ? 'post' : undefined;
}

const INTERPRETER = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';

export function readLanguage(ctx: MappingContext) {
  const p = patientOf(ctx);
  const comm = p?.communication?.find((c) => c.preferred) ?? p?.communication?.[0];
  const coding = comm?.language.coding?.[0];
  if (!coding?.code) return undefined;
  // Stryker disable next-line OptionalChaining: p is there whenever a coding was found above (the coding is read from p)
  const interpreter = p?.extension?.find((e) => e.url === INTERPRETER)?.valueBoolean;
  return {
    code: coding.code,
    ...(coding.display ? { display: coding.display } : {}),
    ...(interpreter !== undefined ? { interpreterRequired: interpreter } : {}),
  };
}

export function readNhsNumber(ctx: MappingContext) {
  return String(ctx.event.patient.nhsNumber);
}

export function readBirthDate(ctx: MappingContext) {
  return patientOf(ctx)?.birthDate;
}
