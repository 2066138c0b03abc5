/**
 * The readers of the fields about the person (src/mapping/person-fields.ts), one rule each:
 * only current details are read, absent elements stay absent (not empty, not undefined).
 */
import type { ContactPoint, Patient } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import {
  readBirthDate,
  readContactDetails,
  readLanguage,
  readName,
  readNhsNumber,
  readPreferredContactMethod,
} from '../../src/mapping/person-fields.js';
import { mappingContext, withPatient } from './mapping-context.js';
import { sampleEvent } from './sample-event.js';

const names = (name: Patient['name']) => withPatient((p) => ({ ...p, name }));
const telecom = (points: ContactPoint[]) => withPatient((p) => ({ ...p, telecom: points }));
/** An event whose patient reference resolves to nothing. */
const noPatient = () => {
  const event = sampleEvent();
  return mappingContext({ ...event, patient: { ...event.patient, references: ['Patient/absent'] } });
};

describe('readName: the current name', () => {
  it('reads the official name as text, prefix, given and family', () => {
    expect(readName(mappingContext())).toStrictEqual({
      text: 'Ada Synthetic-Fenwick',
      prefix: ['Ms'],
      given: ['Ada'],
      family: 'Synthetic-Fenwick',
    });
  });

  it('never discloses a name marked old, nor one whose period has ended (a former or maiden name)', () => {
    expect(
      readName(
        names([
          { use: 'old', family: 'Formerly' },
          { given: ['Ada'], family: 'Now' },
        ]),
      ),
    ).toMatchObject({ family: 'Now' });
    expect(
      readName(
        names([
          { use: 'official', family: 'Maiden', period: { end: '2020-06-01' } },
          { use: 'official', family: 'Married' },
        ]),
      ),
    ).toMatchObject({ family: 'Married' });
    expect(readName(names([{ use: 'old', family: 'Formerly' }]))).toBeUndefined();
    expect(
      readName(names([{ family: 'Maiden', period: { start: '1990-01-01', end: '2020-06-01' } }])),
    ).toBeUndefined();
  });

  it('prefers the official name, then the usual one, then the first current one', () => {
    const usual = { use: 'usual' as const, given: ['Addy'] };
    const official = { use: 'official' as const, given: ['Ada'] };
    const nickname = { use: 'nickname' as const, given: ['Ace'] };
    expect(readName(names([usual, official]))).toMatchObject({ given: ['Ada'] });
    expect(readName(names([nickname, usual]))).toMatchObject({ given: ['Addy'] });
    expect(readName(names([nickname, { use: 'anonymous', given: ['A'] }]))).toMatchObject({ given: ['Ace'] });
  });

  it("uses the name's own text when it has one", () => {
    expect(readName(names([{ text: 'Ada S. Fenwick', given: ['Ada'], family: 'Fenwick' }]))).toMatchObject({
      text: 'Ada S. Fenwick',
    });
  });

  it('builds the text from the parts present, with no stray space for a missing part', () => {
    expect(readName(names([{ given: ['Ada', 'Grace'] }]))).toStrictEqual({
      text: 'Ada Grace',
      given: ['Ada', 'Grace'],
    });
    expect(readName(names([{ family: 'Synthetic-Fenwick', given: [], prefix: [] }]))).toStrictEqual({
      text: 'Synthetic-Fenwick',
      family: 'Synthetic-Fenwick',
    });
  });

  it('carries no empty text for a name that has only a prefix', () => {
    expect(readName(names([{ prefix: ['Ms'] }]))).toStrictEqual({ prefix: ['Ms'] });
  });

  it('gives no name when the patient has none, or is not in the message', () => {
    expect(readName(names(undefined))).toBeUndefined();
    expect(readName(noPatient())).toBeUndefined();
  });
});

describe('readContactDetails: current phones, emails and address', () => {
  it('never discloses a superseded phone number or email: ended, marked old, or without a value', () => {
    const details = readContactDetails(
      telecom([
        { system: 'phone', value: '07700 900001', period: { end: '2025-01-01' } },
        { system: 'phone', value: '07700 900002', use: 'old' },
        { system: 'phone', use: 'home' },
        { system: 'email', value: 'ended@example.org', period: { start: '2019-01-01', end: '2025-01-01' } },
        { system: 'email', value: 'old@example.org', use: 'old' },
        { system: 'phone', value: '07700 900003', use: 'home' },
        { system: 'email', value: 'ada@example.org' },
      ]),
    );
    expect(details).toMatchObject({
      phones: [{ value: '07700 900003', use: 'home' }],
      emails: [{ value: 'ada@example.org' }],
    });
    for (const superseded of ['900001', '900002', 'ended@', 'old@'])
      expect(JSON.stringify(details)).not.toContain(superseded);
  });

  it('counts text-message numbers as phones, and no other system as a phone or email', () => {
    const details = readContactDetails(
      telecom([
        { system: 'sms', value: '07700 900004', use: 'mobile' },
        { system: 'fax', value: '0191 000 0009' },
        { system: 'url', value: 'https://example.org/ada' },
      ]),
    );
    expect(details).toStrictEqual({
      phones: [{ value: '07700 900004', use: 'mobile' }],
      address: { lines: ['1 Synthetic Street'], city: 'Newcastle upon Tyne', postcode: 'NE4 5AA' },
    });
  });

  it('leaves out phones and emails when there are none current, and a use when none is stated', () => {
    expect(readContactDetails(telecom([{ system: 'email', value: 'ada@example.org' }]))).toStrictEqual({
      emails: [{ value: 'ada@example.org' }],
      address: { lines: ['1 Synthetic Street'], city: 'Newcastle upon Tyne', postcode: 'NE4 5AA' },
    });
    expect(readContactDetails(withPatient(({ telecom: _, ...p }) => p))).toStrictEqual({
      address: { lines: ['1 Synthetic Street'], city: 'Newcastle upon Tyne', postcode: 'NE4 5AA' },
    });
  });

  it('reads the current address parts present (district included), and nothing for a part absent', () => {
    const at = (address: Patient['address']) => readContactDetails(withPatient((p) => ({ ...p, address })));
    expect(
      at([{ use: 'home', line: ['2 New Road'], district: 'Tyne and Wear', postalCode: 'NE2 1XD' }]),
    ).toMatchObject({
      address: { lines: ['2 New Road'], district: 'Tyne and Wear', postcode: 'NE2 1XD' },
    });
    expect(at([{ use: 'home', line: [], city: 'Newcastle upon Tyne' }])?.address).toStrictEqual({
      city: 'Newcastle upon Tyne',
    });
  });

  it('gives no contact details when the patient is not in the message', () => {
    expect(readContactDetails(noPatient())).toBeUndefined();
  });

  it('says no fixed abode, and sends no address, when the current address has the no-fixed-abode postcode ZZ99 3VZ', () => {
    const details = readContactDetails(
      withPatient((p) => ({
        ...p,
        telecom: [],
        address: [
          { use: 'home', line: ['Night shelter'], city: 'Newcastle upon Tyne', postalCode: 'ZZ99 3VZ' },
        ],
      })),
    );
    expect(details).toStrictEqual({ noFixedAbode: true });
  });

  it('says there is no current address when only previous ones were sent, never that the person has no fixed abode', () => {
    const details = readContactDetails(
      withPatient((p) => ({
        ...p,
        telecom: [],
        address: [{ use: 'old', line: ['1 Old Road'], postalCode: 'NE1 1AA' }],
      })),
    );
    expect(details).toStrictEqual({ noCurrentAddress: true });
  });

  it('reads an address without lines (a postcode alone)', () => {
    const details = readContactDetails(
      withPatient((p) => ({ ...p, address: [{ use: 'home', postalCode: 'NE2 1XD' }] })),
    );
    expect(details?.address).toStrictEqual({ postcode: 'NE2 1XD' });
  });
});

describe('readPreferredContactMethod: the contact point ranked first', () => {
  it('takes the lowest rank whatever the order, an unranked point after every ranked one', () => {
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'phone', value: '07700 900001', rank: 2 },
          { system: 'email', value: 'ada@example.org', rank: 1 },
        ]),
      ),
    ).toBe('email');
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'email', value: 'ada@example.org' },
          { system: 'sms', value: '07700 900001', rank: 3 },
        ]),
      ),
    ).toBe('sms');
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'email', value: 'ada@example.org', rank: 1 },
          { system: 'phone', value: '07700 900001' },
        ]),
      ),
    ).toBe('email');
  });

  it('names a preferred phone as phone', () => {
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'email', value: 'ada@example.org', rank: 2 },
          { system: 'phone', value: '07700 900001', rank: 1 },
        ]),
      ),
    ).toBe('phone');
  });

  it('never prefers a superseded contact point', () => {
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'phone', value: '07700 900001', rank: 1, period: { end: '2025-01-01' } },
          { system: 'email', value: 'ada@example.org', rank: 2 },
        ]),
      ),
    ).toBe('email');
  });

  it('names no method when the preferred point is one the dataset cannot name (a pager)', () => {
    expect(
      readPreferredContactMethod(
        telecom([
          { system: 'pager', value: '0191 000 0008', rank: 1 },
          { system: 'phone', value: '07700 900001', rank: 2 },
        ]),
      ),
    ).toBeUndefined();
  });

  it('falls back to post only with no current phone or email and a current home address', () => {
    expect(readPreferredContactMethod(telecom([]))).toBe('post');
    expect(
      readPreferredContactMethod(telecom([{ system: 'phone', value: '07700 900001', use: 'old' }])),
    ).toBe('post');
    const noAddress = withPatient((p) => ({
      ...p,
      telecom: [],
      address: [{ use: 'old', postalCode: 'NE4 5AA' }],
    }));
    expect(readPreferredContactMethod(noAddress)).toBeUndefined();
    const noFixedAbode = withPatient((p) => ({ ...p, telecom: [], address: [{ postalCode: 'ZZ99 3VZ' }] }));
    expect(readPreferredContactMethod(noFixedAbode)).toBeUndefined();
    expect(readPreferredContactMethod(noPatient())).toBeUndefined();
  });
});

describe('readLanguage: the preferred language and whether an interpreter is needed', () => {
  const language = (code: string, display?: string) => ({
    language: { coding: [{ system: 'urn:ietf:bcp:47', code, ...(display ? { display } : {}) }] },
  });

  it('reads the preferred language, else the first, with the interpreter flag', () => {
    expect(readLanguage(mappingContext())).toStrictEqual({
      code: 'pl',
      display: 'Polish',
      interpreterRequired: true,
    });
    const ctx = withPatient((p) => ({
      ...p,
      communication: [language('en'), { ...language('cy', 'Welsh'), preferred: true }],
    }));
    expect(readLanguage(ctx)).toMatchObject({ code: 'cy' });
    expect(
      readLanguage(withPatient((p) => ({ ...p, communication: [language('en'), language('cy')] }))),
    ).toMatchObject({ code: 'en' });
  });

  it('says an interpreter is not required when the extension says false, and nothing when it is absent', () => {
    const interpreter = (valueBoolean: boolean) =>
      withPatient((p) => ({
        ...p,
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired', valueBoolean },
        ],
      }));
    expect(readLanguage(interpreter(false))).toMatchObject({ interpreterRequired: false });
    expect(
      readLanguage(withPatient(({ extension: _, ...p }) => ({ ...p, communication: [language('en')] }))),
    ).toStrictEqual({
      code: 'en',
    });
    const otherExtension = withPatient((p) => ({
      ...p,
      extension: [{ url: 'https://example.org/other-flag', valueBoolean: true }],
    }));
    expect(readLanguage(otherExtension)).not.toHaveProperty('interpreterRequired');
  });

  it('gives no language without a coded one, and none for a patient not in the message', () => {
    expect(
      readLanguage(withPatient((p) => ({ ...p, communication: [{ language: { text: 'Polish' } }] }))),
    ).toBeUndefined();
    expect(
      readLanguage(
        withPatient((p) => ({ ...p, communication: [{ language: { coding: [{ display: 'Polish' }] } }] })),
      ),
    ).toBeUndefined();
    expect(readLanguage(withPatient(({ communication: _, ...p }) => p))).toBeUndefined();
    expect(readLanguage(noPatient())).toBeUndefined();
  });
});

describe('readNhsNumber and readBirthDate', () => {
  it('reads the checked NHS number and the birth date; no birth date for a patient not in the message', () => {
    expect(readNhsNumber(mappingContext())).toBe('9434765919');
    expect(readBirthDate(mappingContext())).toBe('1979-05-14');
    expect(readBirthDate(noPatient())).toBeUndefined();
  });
});
