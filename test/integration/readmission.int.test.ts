/**
 * Issue 19 item 5 through the real app, on SQLite and PostgreSQL: a person admitted again within
 * the agreement's window after their referral ended is linked to it (the new referral says so in
 * its dataset, the link is stored and listed for evidence); outside the window it is not; another
 * person's earlier referral never links; and with follow-up the earlier provider is offered the
 * new referral even though the person's postcode is now outside its catchment.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Agreement, Registry } from '../../src/config/registry-types.js';
import { readmissionLinks } from '../../src/referral/readmissions.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';
import { TEST_NOW } from '../helpers/test-app.js';
import { request as fixture, patch } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

const ROBIN = '9990079196'; // the admission fixture's person
const OTHER = '9990000018';
const DAY = 86_400_000;
const BACKENDS = ['sqlite', 'postgres'] as const;
const AGREEMENT = 'dsa-north-coast-homestead-discharge';

/** The sample registry with the discharge agreement's readmission setting replaced. */
function withReadmission(setting: Agreement['readmission']): Registry {
  const base = loadRegistry('consent');
  const agreements = base.agreements.map((a) => {
    if (a.id !== AGREEMENT) return a;
    const { readmission: _, ...rest } = a;
    return setting ? { ...rest, readmission: setting } : rest;
  });
  return { ...base, agreements, versions: (id) => agreements.filter((a) => a.id === id) };
}

function admission(nhsNumber: string, n: number, postcode = 'NE6 1AA') {
  const m = fixture('admission');
  patch(m, 'entry.0.resource.id', `a0d11551-0000-4000-8000-0000000f${String(n).padStart(4, '0')}`);
  patch(m, 'entry.1.resource.identifier.0.value', nhsNumber);
  patch(m, 'entry.1.resource.address.0.postalCode', postcode);
  patch(m, 'entry.2.resource.identifier.0.value', `ENC-READMIT-${n}`);
  return m;
}

async function appOn(backend: (typeof BACKENDS)[number], registry?: Registry) {
  let schema: TestSchema | undefined;
  let store: Store | undefined;
  if (backend === 'postgres') {
    schema = await createSchema();
    store = await openStore(schema.url);
  }
  const clock = fixedClock(TEST_NOW);
  const ctx = await intakeApp({ clock, ...(store ? { store } : {}), ...(registry ? { registry } : {}) });
  const db = ctx.deps.store.db;
  const referrals = (recipient = 'homegroup-discharge') =>
    db.selectFrom('referrals').selectAll().where('recipient', '=', recipient).orderBy('created_at').execute();
  /** The provider closes the referral (as its status answer would), `daysLater` after now. */
  const end = async (id: string, status: 'completed' | 'declined' | 'cancelled', daysLater: number) => {
    const at = new Date(clock.now().getTime() + daysLater * DAY).toISOString();
    await db.updateTable('referrals').set({ status, updated_at: at }).where('id', '=', id).execute();
  };
  const dataset = async (id: string) => {
    const r = await db
      .selectFrom('referrals')
      .select('dataset')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return JSON.parse(r.dataset ?? '{}') as Record<string, unknown>;
  };
  const payload = async (id: string) => {
    const d = await db
      .selectFrom('deliveries')
      .select('payload')
      .where('referral_id', '=', id)
      .executeTakeFirstOrThrow();
    return JSON.parse(d.payload ?? '{}') as { data: { dataset: Record<string, unknown> } };
  };
  return {
    ...ctx,
    clock,
    referrals,
    end,
    dataset,
    payload,
    close: async () => {
      await store?.close();
      await schema?.drop();
    },
  };
}

describe.each(BACKENDS)('readmission links (%s)', (backend) => {
  it('links a readmission within the window: the new referral says so, and the link is listed', async () => {
    const ctx = await appOn(backend);
    try {
      expect((await post(ctx.app, ctx.deps, admission(ROBIN, 1))).status).toBe(200);
      const [first] = await ctx.referrals();
      await ctx.end(first?.id as string, 'completed', 1);
      ctx.clock.advance(20 * DAY); // 19 days after it ended
      expect((await post(ctx.app, ctx.deps, admission(ROBIN, 2))).status).toBe(200);
      const [, second] = await ctx.referrals();
      const endedAt = new Date(Date.parse(TEST_NOW) + DAY).toISOString();
      const expected = { sameRecipient: true, referralId: first?.id, endedAt, outcome: 'completed' };
      expect((await ctx.dataset(second?.id as string)).readmissionOf).toEqual(expected);
      // The webhook body and the pull inbox serve these same bytes.
      expect((await ctx.payload(second?.id as string)).data.dataset.readmissionOf).toEqual(expected);
      expect(await readmissionLinks(ctx.deps.store.db)).toEqual([
        {
          referral_id: second?.id,
          earlier_referral_id: first?.id,
          recipient: 'homegroup-discharge',
          earlier_recipient: 'homegroup-discharge',
          earlier_outcome: 'completed',
          ended_at: endedAt,
          window_days: 28,
          offered_first: 1,
          linked_at: ctx.clock.now().toISOString(),
        },
      ]);
      const [queued] = await ctx.deps.store.db
        .selectFrom('audit')
        .select('fields')
        .where('action', '=', 'queued')
        .where('referral_id', '=', second?.id as string)
        .execute();
      expect(JSON.parse(String(queued?.fields))).toContain('readmissionOf');
    } finally {
      await ctx.close();
    }
  });

  it('does not link outside the window, nor a cancelled referral', async () => {
    const ctx = await appOn(backend);
    try {
      await post(ctx.app, ctx.deps, admission(ROBIN, 1));
      const [first] = await ctx.referrals();
      await ctx.end(first?.id as string, 'completed', 1);
      ctx.clock.advance(30 * DAY); // 29 days after it ended: outside 28
      await post(ctx.app, ctx.deps, admission(ROBIN, 2));
      const [, second] = await ctx.referrals();
      expect(second).toBeDefined();
      expect(await ctx.dataset(second?.id as string)).not.toHaveProperty('readmissionOf');
      await ctx.end(second?.id as string, 'cancelled', 0);
      ctx.clock.advance(DAY);
      await post(ctx.app, ctx.deps, admission(ROBIN, 3));
      const [, , third] = await ctx.referrals();
      expect(await ctx.dataset(third?.id as string)).not.toHaveProperty('readmissionOf');
      expect(await readmissionLinks(ctx.deps.store.db)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('uses the agreement window: 90 days links what 28 would not', async () => {
    const ctx = await appOn(backend, withReadmission({ windowDays: 90 }));
    try {
      await post(ctx.app, ctx.deps, admission(ROBIN, 1));
      const [first] = await ctx.referrals();
      await ctx.end(first?.id as string, 'declined', 1);
      ctx.clock.advance(60 * DAY);
      await post(ctx.app, ctx.deps, admission(ROBIN, 2));
      const [, second] = await ctx.referrals();
      expect((await ctx.dataset(second?.id as string)).readmissionOf).toMatchObject({ outcome: 'declined' });
      expect(await readmissionLinks(ctx.deps.store.db)).toMatchObject([
        { window_days: 90, offered_first: 0 },
      ]);
    } finally {
      await ctx.close();
    }
  });

  it("never links another person's earlier referral", async () => {
    const ctx = await appOn(backend);
    try {
      await post(ctx.app, ctx.deps, admission(ROBIN, 1));
      const [first] = await ctx.referrals();
      await ctx.end(first?.id as string, 'completed', 1);
      ctx.clock.advance(5 * DAY);
      await post(ctx.app, ctx.deps, admission(OTHER, 2));
      const [, other] = await ctx.referrals();
      expect(other?.subject_hmac).not.toBe(first?.subject_hmac);
      expect(await ctx.dataset(other?.id as string)).not.toHaveProperty('readmissionOf');
      expect(await readmissionLinks(ctx.deps.store.db)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('follow-up: the earlier provider is offered it outside its catchment; without follow-up it is not', async () => {
    for (const [setting, offered] of [
      [{ windowDays: 28, followUp: true }, true],
      [{ windowDays: 28 }, false],
    ] as const) {
      const ctx = await appOn(backend, withReadmission(setting));
      try {
        await post(ctx.app, ctx.deps, admission(ROBIN, 1));
        const [first] = await ctx.referrals();
        await ctx.end(first?.id as string, 'completed', 1);
        ctx.clock.advance(10 * DAY);
        // Now living in Sunderland (SR2): outside Homestead's districts.
        await post(ctx.app, ctx.deps, admission(ROBIN, 2, 'SR2 7AB'));
        const decisions = await ctx.deps.store.db
          .selectFrom('decisions')
          .selectAll()
          .where('recipient', '=', 'homegroup-discharge')
          .orderBy('decided_at')
          .execute();
        const last = decisions.at(-1);
        expect(last?.outcome).toBe(offered ? 'permit' : 'withhold');
        const codes = (JSON.parse(String(last?.reasons)) as Array<{ code: string }>).map((r) => r.code);
        expect(codes).toContain(offered ? 'readmission-follow-up' : 'out-of-catchment');
        expect(await ctx.referrals()).toHaveLength(offered ? 2 : 1);
      } finally {
        await ctx.close();
      }
    }
  });
});
