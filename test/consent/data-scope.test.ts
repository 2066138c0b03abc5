/**
 * fieldsInScope() (src/consent/data-scope.ts) on its own: what one provision is about. The
 * fuller cases, through decide(), are in consent-scope.test.ts and confidentiality.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { fieldsInScope, type ScopeContext } from '../../src/consent/data-scope.js';
import { dataClass } from './builders.js';

const FIELDS: DatasetField[] = ['name', 'nhsNumber', 'ward', 'riskFlags', 'consent'];
const ctx: ScopeContext = { fields: FIELDS, patientReferences: ['Patient/p1'] };

describe('fieldsInScope(): a class the gateway cannot map', () => {
  it('a permit for an unknown data class permits no field; a deny of one covers every field', () => {
    const p = { class: [dataClass('genetics')] };
    expect(fieldsInScope(p, 'permit', ctx)).toEqual([]);
    expect(fieldsInScope(p, 'deny', ctx)).toEqual(FIELDS);
  });

  it('a permit for a known and an unknown class permits the known class’s fields only', () => {
    const p = { class: [dataClass('genetics'), dataClass('identity')] };
    expect(fieldsInScope(p, 'permit', ctx)).toEqual(['name', 'nhsNumber']);
    expect(fieldsInScope(p, 'deny', ctx)).toEqual(FIELDS);
  });

  it('a class given as text only is unknown: a permit covers nothing', () => {
    expect(fieldsInScope({ class: [{ display: 'identity' }] }, 'permit', ctx)).toEqual([]);
  });
});
