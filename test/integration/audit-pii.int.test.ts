/**
 * Issue 5 acceptance: the audit never holds an NHS number, name, address or phone number in clear.
 * Runs every audit path that exists (appends with subjects from each stage shape, reads with
 * subject filters, the subject report, both exports, checkpoint, verify), then scans every column
 * of every row of the audit tables.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { recordRegistryLoaded } from '../../src/audit/registry-loaded.js';
import { fixedClock } from '../../src/clock.js';
import { disclosure, OTHER_PATIENT_NHS, PATIENT, seedDay, withheld } from '../audit/helpers.js';
import { TEST_NOW, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

/** Every way the synthetic patients' identifiers could appear in clear. */
const FORBIDDEN = [
  PATIENT.nhsNumber,
  PATIENT.spaced,
  '943-476-5919',
  OTHER_PATIENT_NHS,
  '944 930 4130',
  'Zebedee',
  'Quartermaine',
  'Lark Rise',
  'NE1 4XY',
  '07700 900123',
  '07700900123',
];

describe('the audit holds no personal data in clear', () => {
  it('after every audit path has run', async () => {
    const { app, deps } = await testApp({ clock: fixedClock(TEST_NOW) });
    await recordRegistryLoaded(deps.store, deps.audit, deps.registry);
    await seedDay({ ...deps, clock: deps.clock as ReturnType<typeof fixedClock> });
    await deps.store.transaction(async (tx) => {
      await deps.audit.append(tx, disclosure(7, { subjectNhsNumber: '943-476-5919' }));
      await deps.audit.append(tx, withheld(8, { subjectNhsNumber: '944 930 4130' }));
    });
    const auth = await bearer(deps, 'ig-audit-north');
    const get = (path: string, query: Record<string, string>) =>
      request(app).get(path).query(query).set('authorization', auth).expect(200);
    await get('/audit/events', { subject: PATIENT.spaced });
    await get('/audit/events', { subject: '943-476-5919', action: 'disclosed' });
    await get('/audit/events', { subject: OTHER_PATIENT_NHS, limit: '1' });
    await get('/audit/subject-report', { nhsNumber: PATIENT.nhsNumber });
    await get('/audit/subject-report', { nhsNumber: '944 930 4130', from: '2026-01-01' });
    await get('/audit/export', { format: 'csv', subject: PATIENT.nhsNumber });
    await get('/audit/export', { format: 'fhir', subject: OTHER_PATIENT_NHS });
    await get('/audit/checkpoint', {});
    await get('/audit/verify', {});
    // A refused search (bad check digit) must not leak either.
    await request(app)
      .get('/audit/events')
      .query({ subject: '943 476 5918' })
      .set('authorization', auth)
      .expect(400);

    const audit = await deps.store.db.selectFrom('audit').selectAll().execute();
    const checkpoints = await deps.store.db.selectFrom('audit_checkpoints').selectAll().execute();
    expect(audit.filter((r) => r.action === 'audit-read')).toHaveLength(9);
    expect(audit.filter((r) => r.subject_hmac !== null).length).toBeGreaterThanOrEqual(6);
    const cells = [...audit, ...checkpoints].flatMap((row) =>
      Object.entries(row).map(([column, v]) => ({ column, v })),
    );
    expect(cells.length).toBeGreaterThan(300);
    const leaks = cells.filter(({ v }) => FORBIDDEN.some((bad) => String(v).includes(bad)));
    expect(leaks).toEqual([]);
    // Nor any 10-digit run standing alone, whatever number it is.
    expect(
      cells.filter(({ v }) => /(^|[^0-9A-Za-z])\d{3}[ -]?\d{3}[ -]?\d{4}([^0-9A-Za-z]|$)/.test(String(v))),
    ).toEqual([]);
    // The logs carry no NHS number either (search parameters are never logged).
    expect(deps.logs.text()).not.toContain(PATIENT.nhsNumber);
  });
});
