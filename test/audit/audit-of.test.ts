import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import { RegistryError, type RegistryProblem } from '../../src/config/registry-types.js';
import { tempDir } from '../helpers/test-app.js';
import { registry } from './helpers.js';

/** A copy of the sample registry with one partner file edited. */
function problemsWith(partner: string, edit: (yaml: string) => string): RegistryProblem[] {
  const dir = tempDir('homeward-auditof-');
  cpSync('consent', dir, { recursive: true });
  const file = join(dir, 'partners', `${partner}.yaml`);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  try {
    loadRegistry(dir);
    return [];
  } catch (e) {
    if (e instanceof RegistryError) return e.problems;
    throw e;
  }
}

describe('partner auditOf (audit isolation)', () => {
  it('the sample IG auditor audits both trusts and the discharge service', () => {
    expect(registry.partner('ig-audit-north')?.auditOf).toEqual([
      'north-coast-trust',
      'riverside-trust',
      'homegroup-discharge',
    ]);
  });

  it('must name known partners', () => {
    const problems = problemsWith('ig-audit-north', (y) =>
      y.replace('auditOf: [north-coast-trust,', 'auditOf: [north-coast-trust, no-such-partner,'),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'auditOf[1]', message: 'unknown partner "no-such-partner"' }),
    ]);
  });

  it('belongs to auditors only', () => {
    const problems = problemsWith('wearmouth-council', (y) => `${y}\nauditOf: [north-coast-trust]\n`);
    expect(problems).toEqual([
      expect.objectContaining({ path: 'auditOf', message: 'auditOf needs the role auditor' }),
    ]);
  });

  it('is a list of partner ids (schema)', () => {
    const problems = problemsWith('ig-audit-north', (y) =>
      y.replace(/auditOf: \[.*\]/, 'auditOf: [north-coast-trust, north-coast-trust, "Not An Id"]'),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^auditOf/)]),
    );
  });
});
