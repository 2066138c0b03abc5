/**
 * The data classes a Consent provision can name (src/consent/data-classes.ts): the fields each
 * covers, the v3 sensitivity codes mapped onto them, and the v3 Confidentiality ranks. Each class
 * is checked through a deny of it, the way a trust uses it to narrow a referral.
 */
import { describe, expect, it } from 'vitest';
import { DATASET_FIELDS, type DatasetField } from '../../src/config/dataset-fields.js';
import { confidentialityRank, dataClassOf, NORMAL_CONFIDENTIALITY } from '../../src/consent/data-classes.js';
import { fieldsInScope } from '../../src/consent/data-scope.js';

// The systems as trusts write them (the published code system and HL7's own URIs).
const DATA_CLASS_SYSTEM = 'https://homeward.example/fhir/CodeSystem/data-class';
const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const V3_CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** Every field of every dataset, so that a class's whole reach shows. */
const ALL: DatasetField[] = [...new Set(Object.values(DATASET_FIELDS).flat())];
const denied = (system: string, code: string) =>
  fieldsInScope({ class: [{ system, code }] }, 'deny', { fields: ALL, patientReferences: [] }).sort();
const sorted = (fields: DatasetField[]) => [...fields].sort();

describe('data classes a Consent can name (data-classes.ts)', () => {
  it.each<[string, DatasetField[]]>([
    ['identity', ['name', 'nhsNumber', 'birthDate']],
    ['contact', ['contactDetails', 'preferredContactMethod']],
    [
      'housing',
      [
        'reason',
        'housingSituation',
        'housingNeedCodes',
        'chosenAuthority',
        'tenure',
        'landlordName',
        'housingDelayReasons',
      ],
    ],
    [
      'care-setting',
      [
        'hospital',
        'ward',
        'admissionDate',
        'expectedDischargeDate',
        'serviceType',
        'readmissionOf',
        'dischargeReadyDate',
        'dischargeDateTime',
        'dischargeDestination',
        'dischargeMethod',
        'housingDelayReasons',
        'wardSpecialty',
      ],
    ],
    ['support-needs', ['supportNeeds', 'accessibilityNeeds', 'language', 'adaptationNeeds']],
    [
      'mental-health',
      [
        'serviceType',
        'ward',
        'supportNeeds',
        'riskFlags',
        'wardSpecialty',
        'dischargeDestination',
        'dischargeMethod',
      ],
    ],
    ['safeguarding', ['safeguardingFlags', 'vulnerability', 'riskFlags']],
    ['professional-contacts', ['referrer', 'keyWorker']],
  ])('a deny of the data class %s covers exactly its fields', (code, fields) => {
    expect(dataClassOf({ system: DATA_CLASS_SYSTEM, code })).toBe(code);
    expect(denied(DATA_CLASS_SYSTEM, code)).toEqual(sorted(fields));
  });

  it.each([
    ['PSY', 'mental-health'],
    ['MH', 'mental-health'],
    ['ETH', 'mental-health'],
    ['SDV', 'safeguarding'],
    ['SEX', 'safeguarding'],
  ])('the v3 sensitivity code %s names the data class %s', (code, cls) => {
    expect(dataClassOf({ system: V3_ACT_CODE, code })).toBe(cls);
  });

  it('a code the gateway does not publish names no data class, whatever its system', () => {
    expect(dataClassOf({ system: DATA_CLASS_SYSTEM, code: 'genetics' })).toBeUndefined();
    expect(dataClassOf({ system: DATA_CLASS_SYSTEM })).toBeUndefined();
    expect(dataClassOf({ system: V3_ACT_CODE, code: 'HIV' })).toBeUndefined();
    expect(dataClassOf({ system: V3_ACT_CODE })).toBeUndefined();
    expect(dataClassOf({ system: 'http://snomed.info/sct', code: 'mental-health' })).toBeUndefined();
    expect(dataClassOf({ system: V3_CONFIDENTIALITY, code: 'PSY' })).toBeUndefined();
    expect(dataClassOf({ code: 'identity' })).toBeUndefined();
  });

  it('a code spelt like a property every object has (constructor, toString) names no class and no rank', () => {
    for (const code of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(dataClassOf({ system: DATA_CLASS_SYSTEM, code })).toBeUndefined();
      expect(dataClassOf({ system: V3_ACT_CODE, code })).toBeUndefined();
      expect(confidentialityRank({ system: V3_CONFIDENTIALITY, code })).toBeUndefined();
      // Read as unknown: a permit of it covers nothing, a deny everything (never a crash).
      const p = { class: [{ system: DATA_CLASS_SYSTEM, code }] };
      expect(fieldsInScope(p, 'permit', { fields: ALL, patientReferences: [] })).toEqual([]);
      expect(fieldsInScope(p, 'deny', { fields: ALL, patientReferences: [] })).toEqual(ALL);
    }
  });

  it('v3 Confidentiality ranks rise U < L < M < N < R < V, and N is the normal level', () => {
    const rank = (code: string) => confidentialityRank({ system: V3_CONFIDENTIALITY, code });
    expect(['U', 'L', 'M', 'N', 'R', 'V'].map(rank)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(NORMAL_CONFIDENTIALITY).toBe(rank('N'));
  });

  it('only a v3 Confidentiality coding has a rank', () => {
    expect(confidentialityRank({ system: V3_CONFIDENTIALITY })).toBeUndefined();
    expect(confidentialityRank({ system: V3_CONFIDENTIALITY, code: 'X' })).toBeUndefined();
    expect(confidentialityRank({ system: V3_ACT_CODE, code: 'R' })).toBeUndefined();
    expect(confidentialityRank({ code: 'R' })).toBeUndefined();
  });
});
