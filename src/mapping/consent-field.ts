/**
 * The `consent` field: that the person agreed to the referral and to sharing their contact
 * details, when and by whom it was recorded (Duty to Refer needs this: s.213B(3)), or the other
 * lawful basis the disclosure rests on.
 */
import type { Consent } from 'fhir/r4.js';
import type { MappingContext } from './context.js';

export function readConsent(ctx: MappingContext) {
  const { decision } = ctx;
  const refs = decision.consents.map((c) => c.reference);
  const used = ctx.event.consents
    .filter((c: Consent) => refs.includes(`Consent/${c.id ?? ''}`) && c.status === 'active')
    .sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''))[0];
  const explicit = decision.lawfulBasis.basis === 'explicit-consent';
  const recordedBy = used?.performer?.[0]?.display ?? used?.organization?.[0]?.display;
  return {
    referral: explicit,
    shareContactDetails: explicit && decision.fields.includes('contactDetails'),
    ...(explicit && used?.dateTime ? { recordedAt: used.dateTime } : {}),
    ...(explicit && recordedBy ? { recordedBy } : {}),
    ...(explicit ? {} : { lawfulBasis: decision.lawfulBasis.basis }),
    consents: refs,
  };
}
