import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIntakeProfiles, ProfilesError } from '../../src/ingest/profiles.js';
import { tempDir } from '../helpers/test-app.js';

describe('loading the inbound profiles', () => {
  it('compiles a validator for every resource type with a schema', () => {
    const p = loadIntakeProfiles('profiles');
    expect(p.types).toEqual([
      'Condition',
      'Consent',
      'Encounter',
      'Flag',
      'Location',
      'MessageHeader',
      'Observation',
      'Organization',
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'ServiceRequest',
    ]);
    expect(p.resource('Basic')).toBeUndefined();
  });

  it('reads the housing need code list as data', () => {
    const p = loadIntakeProfiles('profiles');
    expect(p.housingNeed('http://snomed.info/sct', '32911000')?.display).toBe('Homeless');
    expect(p.housingNeed('http://snomed.info/sct', '105531004')).toBeDefined();
    expect(p.housingNeed('http://loinc.org', '32911000')).toBeUndefined();
    expect(p.isHousingStatusObservation('http://loinc.org', '71802-3')).toBe(true);
  });

  it('takes a code added to the list without a release', () => {
    const dir = tempDir('homeward-profiles-');
    cpSync('profiles', dir, { recursive: true });
    writeFileSync(
      join(dir, 'codes', 'housing-need.json'),
      JSON.stringify({
        codes: [{ system: 'http://snomed.info/sct', code: '1234567', display: 'Local code' }],
      }),
    );
    expect(loadIntakeProfiles(dir).housingNeed('http://snomed.info/sct', '1234567')).toBeDefined();
    rmSync(dir, { recursive: true });
  });

  it('refuses to start on broken profiles, naming each file', () => {
    const dir = tempDir('homeward-profiles-');
    mkdirSync(join(dir, 'fhir'));
    writeFileSync(join(dir, 'fhir', 'bad.schema.json'), '{ not json');
    writeFileSync(
      join(dir, 'fhir', 'odd.schema.json'),
      JSON.stringify({ $id: 'x:odd', type: 'object', bogus: 1 }),
    );
    try {
      loadIntakeProfiles(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProfilesError);
      const problems = (err as ProfilesError).problems.join('\n');
      expect(problems).toMatch(/bad\.schema\.json/);
      expect(problems).toMatch(/odd\.schema\.json.*bogus/);
      expect(problems).toMatch(/housing-need\.json/);
    }
    expect(() => loadIntakeProfiles(join(dir, 'missing'))).toThrow(/folder is missing/);
  });
});
