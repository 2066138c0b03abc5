/**
 * The envelope and references of a message (issue 4 item 4): MessageHeader first, unique
 * fullUrls, every reference resolvable; and bodies that are not messages at all.
 */
import { describe, expect, it } from 'vitest';
import { breaking, type Case, check, E, found } from './check-helpers.js';
import { type JsonObject, patch, REMOVE, request } from './fixtures.js';

const envelope: Case[] = [
  [
    'a Bundle of another type',
    'admission',
    (b) => patch(b, 'type', 'collection'),
    [['code-invalid', 'Bundle.type']],
  ],
  ['no entries', 'admission', (b) => patch(b, 'entry', []), [['required', 'Bundle.entry']]],
  [
    'MessageHeader not first',
    'admission',
    (b) => patch(b, 'entry', [...(b.entry as unknown[])].reverse()),
    [['structure', 'Bundle.entry[0].resource']],
  ],
  [
    'entry without resourceType',
    'admission',
    (b) => patch(b, 'entry.4.resource.resourceType', REMOVE),
    [
      ['required', 'Bundle.entry[4].resource.resourceType'],
      ['not-found', `${E}.location[0].location.reference`],
    ],
  ],
  [
    'duplicate fullUrl',
    'admission',
    (b) => patch(b, 'entry.5.fullUrl', at4(b)),
    [
      ['invariant', 'Bundle.entry[5].fullUrl'],
      ['not-found', 'Bundle.entry[6].resource.practitioner.reference'],
    ],
  ],
  [
    'MessageHeader without id',
    'admission',
    (b) => patch(b, 'entry.0.resource.id', REMOVE),
    [['required', 'Bundle.entry[0].resource.id']],
  ],
  [
    'eventUri instead of eventCoding',
    'admission',
    (b) => patch(patch(b, 'entry.0.resource.eventCoding', REMOVE), 'entry.0.resource.eventUri', 'urn:x'),
    [['required', 'Bundle.entry[0].resource.eventCoding']],
  ],
  [
    'unknown event',
    'admission',
    (b) => patch(b, 'entry.0.resource.eventCoding.code', 'A08'),
    [['code-invalid', 'Bundle.entry[0].resource.eventCoding']],
  ],
  [
    'unknown BaRS reason',
    'admission',
    (b) => patch(b, 'entry.0.resource.reason.coding.0.code', 'resend'),
    [['code-invalid', 'Bundle.entry[0].resource.reason.coding[0].code']],
  ],
  [
    'reason from another code system',
    'admission',
    (b) => patch(b, 'entry.0.resource.reason.coding.0.system', 'http://example.org/reasons'),
    [['code-invalid', 'Bundle.entry[0].resource.reason']],
  ],
  [
    'dangling urn:uuid reference',
    'admission',
    (b) => patch(b, 'entry.2.resource.subject.reference', 'urn:uuid:00000000-0000-4000-8000-000000000000'),
    [['not-found', `${E}.subject.reference`]],
  ],
  [
    'malformed reference',
    'admission',
    (b) => patch(b, 'entry.2.resource.serviceProvider.reference', 'the trust'),
    [['not-found', `${E}.serviceProvider.reference`]],
  ],
  [
    'Type/id with no server to ask (riverside has none)',
    'referral-request',
    (b) => patch(b, 'entry.9.resource.requester.reference', 'PractitionerRole/r1'),
    [['not-found', 'Bundle.entry[9].resource.requester.reference']],
  ],
  [
    'missing contained resource',
    'admission',
    (b) => patch(b, 'entry.4.resource.managingOrganization.reference', '#org'),
    [['not-found', 'Bundle.entry[4].resource.managingOrganization.reference']],
  ],
];

function at4(b: JsonObject): unknown {
  return (b.entry as JsonObject[])[4]?.fullUrl;
}

describe('the envelope and references', () => breaking(envelope));

describe('bodies that are not messages at all', () => {
  it.each([
    ['an array', [], 'structure', 'Bundle'],
    ['a string', 'hello', 'structure', 'Bundle'],
    ['null', null, 'structure', 'Bundle'],
    ['a Patient', { resourceType: 'Patient' }, 'structure', 'Patient'],
    ['no resourceType', { type: 'message', entry: [] }, 'required', 'Bundle.resourceType'],
  ])('%s', async (_name, body, code, expression) => {
    const r = await check(body, 'north-coast-trust');
    expect(found(r)[0]).toEqual([code, expression]);
  });

  it('refuses hostile nesting instead of recursing into it', async () => {
    const b = request('admission');
    patch(b, 'entry.1.resource.extension', [JSON.parse(`${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}`)]);
    expect(found(await check(b))).toEqual([['too-costly', 'Bundle']]);
  });
});
