import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toEntry } from '../../src/audit/entries.js';
import {
  hasValidCheckDigit,
  loadSubjectKey,
  SUBJECT_KEY_FILE,
  SubjectError,
} from '../../src/audit/subject.js';
import { parseSettings } from '../../src/config/settings.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { capturedLogger } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/test-app.js';
import { OTHER_PATIENT_NHS, PATIENT, registry } from './helpers.js';

describe('the audit subject key', () => {
  it('in dev, is generated once into $KEYS_DIR/audit-subject.key (mode 0600) and reused', () => {
    const keysDir = join(tempDir(), 'keys');
    const settings = { auditSubjectKey: undefined, keysDir, production: false };
    const first = loadSubjectKey(settings);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const file = join(keysDir, SUBJECT_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(loadSubjectKey(settings)).toBe(first);
  });

  it('is AUDIT_SUBJECT_KEY when set, and required in production', () => {
    const keysDir = tempDir();
    expect(loadSubjectKey({ auditSubjectKey: 'k'.repeat(40), keysDir, production: true })).toBe(
      'k'.repeat(40),
    );
    expect(() => loadSubjectKey({ auditSubjectKey: undefined, keysDir, production: true })).toThrow(
      SubjectError,
    );
  });
});

describe('NHS number check digit (Modulus 11)', () => {
  it('accepts valid numbers and refuses others', () => {
    expect(hasValidCheckDigit(PATIENT.nhsNumber)).toBe(true);
    expect(hasValidCheckDigit(OTHER_PATIENT_NHS)).toBe(true);
    expect(hasValidCheckDigit('9434765918')).toBe(false);
    expect(hasValidCheckDigit('943476591')).toBe(false);
    // Check digit 10 is never valid.
    expect(hasValidCheckDigit('0000000060')).toBe(false);
  });
});

describe('gateway start', () => {
  it('records registry-loaded with every agreement id, version and file hash', async () => {
    const dir = tempDir('homeward-audit-start-');
    const settings = parseSettings({
      DATABASE_URL: `sqlite:${join(dir, 'gw.db')}`,
      KEYS_DIR: join(dir, 'keys'),
    });
    const deps = await buildDeps(settings, capturedLogger().logger);
    try {
      const rows = await deps.store.db.selectFrom('audit').selectAll().execute();
      expect(rows).toHaveLength(1);
      const entry = toEntry(rows[0] as (typeof rows)[number]);
      expect(entry).toMatchObject({ seq: 1, action: 'registry-loaded', actor: 'gateway', recipient: null });
      expect(entry.detail?.agreements).toEqual(
        registry.agreements.map((a) => ({
          id: a.id,
          version: a.version,
          sha256: a.sha256,
          status: a.status,
        })),
      );
      // The dev subject key was generated beside the signing keys.
      expect(statSync(join(dir, 'keys', SUBJECT_KEY_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      await closeDeps(deps);
    }
  });
});
