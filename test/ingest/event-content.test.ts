/**
 * What each event needs beyond shapes (issue 4 items 2 and 4): a known event and reason, the
 * caller as sender, one person, and the resources the event is about.
 */
import { describe } from 'vitest';
import { breaking, type Case, E } from './check-helpers.js';
import { at, type JsonObject, patch, REMOVE } from './fixtures.js';

const content: Case[] = [
  [
    'sender is another trust',
    'admission',
    (b) => patch(b, 'entry.3.resource.identifier.0.value', 'R9R2V'),
    [['forbidden', 'Bundle.entry[3].resource.identifier']],
  ],
  [
    'sender named by an identifier that is not the caller',
    'admission',
    (b) =>
      patch(b, 'entry.0.resource.sender', {
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'R9R2V' },
      }),
    [['forbidden', 'Bundle.entry[0].resource.sender.identifier.value']],
  ],
  [
    'no sender',
    'admission',
    (b) => patch(b, 'entry.0.resource.sender', REMOVE),
    [['required', 'Bundle.entry[0].resource.sender']],
  ],
  [
    'sender is not an Organization',
    'admission',
    (b) => patch(b, 'entry.0.resource.sender.reference', 'urn:uuid:a0d11551-0000-4000-8000-000000000003'),
    [['required', 'Bundle.entry[0].resource.sender']],
  ],
  [
    'no Patient',
    'consent-updated',
    (b) =>
      patch(
        patch(
          b,
          'entry',
          (b.entry as JsonObject[]).filter((e) => at(e, 'resource.resourceType') !== 'Patient'),
        ),
        'entry.0.resource.focus.0.reference',
        'urn:uuid:f0c0a5e1-0000-4000-8000-000000000008',
      ),
    [
      ['not-found', 'Bundle.entry[1].resource.subject.reference'],
      ['not-found', 'Bundle.entry[4].resource.patient.reference'],
      ['not-found', 'Bundle.entry[4].resource.performer[0].reference'],
      ['required', 'Bundle.entry'],
    ],
  ],
  [
    'admission without an Encounter',
    'restricted-patient',
    (b) => withoutType(b, 'Encounter', 'urn:uuid:ab0e5a1c-0000-4000-8000-000000000003'),
    [['required', 'Bundle.entry']],
  ],
  [
    'expected discharge without the planned date',
    'expected-discharge',
    (b) => patch(b, 'entry.2.resource.extension', REMOVE),
    [['required', `${E}.extension`]],
  ],
  [
    'discharge without period.end',
    'discharge',
    (b) => patch(b, 'entry.2.resource.period.end', REMOVE),
    [['required', `${E}.period.end`]],
  ],
  [
    'housing need without a housing code',
    'housing-need-identified',
    (b) =>
      patch(
        withoutType(withoutType(b, 'Observation'), 'Flag'),
        'entry.7.resource.code.coding.0.code',
        '73438004',
      ),
    [['required', 'Bundle.entry']],
  ],
  [
    'referral request without a ServiceRequest',
    'referral-request',
    (b) => withoutType(b, 'ServiceRequest', 'urn:uuid:e0f2e001-0000-4000-8000-000000000003'),
    [['required', 'Bundle.entry']],
  ],
  [
    'referral cancel that is still active',
    'referral-cancel',
    (b) => patch(b, 'entry.7.resource.status', 'active'),
    [['business-rule', 'Bundle.entry[7].resource.status']],
  ],
  [
    'referral request that is revoked',
    'referral-request',
    (b) => patch(b, 'entry.9.resource.status', 'revoked'),
    [['business-rule', 'Bundle.entry[9].resource.status']],
  ],
  [
    'consent update without a Consent',
    'consent-updated',
    (b) => withoutType(b, 'Consent', 'urn:uuid:f0c0a5e1-0000-4000-8000-000000000003'),
    [['required', 'Bundle.entry']],
  ],
  [
    'two people in one message',
    'admission',
    (b) => addSecondPatient(b),
    [['business-rule', 'Bundle.entry[9].resource']],
  ],
];

/** Drop every entry of `type` (and point the focus at `focus` when given). */
function withoutType(b: JsonObject, type: string, focus?: string): JsonObject {
  patch(
    b,
    'entry',
    (b.entry as JsonObject[]).filter((e) => (e.resource as JsonObject).resourceType !== type),
  );
  return focus ? patch(b, 'entry.0.resource.focus.0.reference', focus) : b;
}

function addSecondPatient(b: JsonObject): JsonObject {
  const other = structuredClone((b.entry as JsonObject[])[1]) as JsonObject;
  patch(other, 'fullUrl', 'urn:uuid:a0d11551-0000-4000-8000-000000000099');
  patch(other, 'resource.identifier.0.value', '9990554331');
  (b.entry as JsonObject[]).push(other);
  return b;
}

describe('what each event needs', () => breaking(content));
