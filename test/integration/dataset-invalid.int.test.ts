/**
 * A dataset that fails its schema is a gateway fault (a mapping bug, or a schema stricter than
 * FHIR): that recipient is withheld with the reason `dataset-invalid`, audited, and told to the
 * trust in its Task; the message itself is accepted (200), nothing is sent, and nothing else of
 * the message is lost. Before issue 11's review this answered the whole message with a 500.
 */
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { compileDatasetSchemas, type DatasetValidators } from '../../src/mapping/dataset-schemas.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

/** The real validators, with discharge-support made to refuse every dataset. */
function refusingDischargeSupport(): DatasetValidators {
  const real = compileDatasetSchemas('profiles');
  const refuse = Object.assign(() => false, {
    errors: [{ instancePath: '/expectedDischargeDate', message: 'must match format "date"' }],
  }) as unknown as ValidateFunction;
  return { ...real, 'discharge-support': refuse };
}

describe('a referral dataset that fails its schema', () => {
  it('withholds that recipient with dataset-invalid: 200, Task rejected, audited, nothing queued, no PII logged', async () => {
    const ctx = await intakeApp({ datasets: refusingDischargeSupport() });
    const res = await post(ctx.app, ctx.deps, fixture('admission'));
    expect(res.status).toBe(200);
    const tasks = (JSON.parse(res.text).entry as Array<{ resource: Record<string, unknown> }>)
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'Task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(tasks[0])).toContain('does not match its dataset schema');

    const db = ctx.deps.store.db;
    expect(await db.selectFrom('decisions').select(['recipient', 'outcome']).execute()).toEqual([
      { recipient: 'homegroup-discharge', outcome: 'withhold' },
    ]);
    const decision = await db.selectFrom('decisions').select('reasons').executeTakeFirstOrThrow();
    expect(JSON.parse(decision.reasons)).toMatchObject([{ code: 'dataset-invalid' }]);
    expect(await db.selectFrom('referrals').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('deliveries').selectAll().execute()).toEqual([]);
    const withheld = await db.selectFrom('audit').selectAll().where('action', '=', 'withheld').execute();
    expect(withheld).toHaveLength(1);
    expect(withheld[0]?.detail).toContain('dataset-invalid');
    expect(withheld[0]?.agreement_id).toBe('dsa-north-coast-homestead-discharge');

    const log = ctx.deps.logs.text();
    expect(log).toContain('referral dataset failed its schema');
    expect(log).toContain('/expectedDischargeDate');
    const nhsNumbers = JSON.stringify(fixture('admission')).match(/\b\d{10}\b/g) ?? [];
    for (const n of nhsNumbers) expect(log).not.toContain(n);
  });

  it('leaves the other recipient types untouched: a Duty to Refer still goes out', async () => {
    const ctx = await intakeApp({ datasets: refusingDischargeSupport() });
    const res = await post(ctx.app, ctx.deps, fixture('referral-request'));
    expect(res.status).toBe(200);
    expect(await ctx.deps.store.db.selectFrom('referrals').select(['recipient', 'type']).execute()).toEqual([
      { recipient: 'tynebridge-council', type: 'duty-to-refer' },
    ]);
  });
});
