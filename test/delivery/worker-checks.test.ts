import { afterEach, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/config/registry-types.js';
import { harness, newSecret, openEnded, testKeys, wearmouthRequest } from './harness.js';
import { type Receiver, startReceiver } from './receiver.js';

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

async function setup(webhook: { url?: string; secretRef?: string } = {}) {
  const keys = await testKeys();
  const secret = newSecret();
  rx = await startReceiver({ secret, jwks: () => keys.jwks() });
  const h = await harness({ keys, secret, webhook: { url: rx.url, ...webhook } });
  const [made] = await h.refer();
  return { h, rx, referralId: made?.referralId ?? '' };
}

const rows = (h: Awaited<ReturnType<typeof harness>>) =>
  h.store.db.selectFrom('deliveries').selectAll().orderBy('created_at').execute();
const referralStatus = async (h: Awaited<ReturnType<typeof harness>>) =>
  (await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow()).status;

/** The same registry with every agreement changed by `f` (as after a registry reload). */
const agreementsChanged = (
  r: Registry,
  f: (a: Registry['agreements'][number]) => Registry['agreements'][number],
) => {
  const agreements = r.agreements.map(f);
  return { ...r, agreements, versions: (id: string) => agreements.filter((a) => a.id === id) };
};

describe('checks at send time', () => {
  it('an agreement terminated since queueing cancels the delivery and the unsent referral, audited', async () => {
    const { h, rx: receiver } = await setup();
    const registry = agreementsChanged(h.registry, (a) => ({ ...a, status: 'terminated' }));
    expect(await h.worker({ registry }).runOnce()).toBe(1);
    expect(receiver.received).toEqual([]);
    expect(await rows(h)).toMatchObject([{ state: 'cancelled', last_error: 'cancelled: agreement-ended' }]);
    expect(await referralStatus(h)).toBe('cancelled');
    const [cancelled] = await h.audit('cancelled');
    expect(JSON.parse(cancelled?.detail ?? '{}')).toMatchObject({
      reason: 'agreement-ended',
      kind: 'referral',
    });
    expect(cancelled?.agreement_id).toBe('dsa-north-coast-homestead-discharge');
  });

  it('an agreement whose end date has passed counts as ended', async () => {
    const { h, rx: receiver } = await setup();
    const registry = agreementsChanged(h.registry, (a) => ({
      ...a,
      effective: { from: '2000-01-01', to: '2001-01-01' },
    }));
    await h.worker({ registry }).runOnce();
    expect(receiver.received).toEqual([]);
    expect((await rows(h))[0]?.state).toBe('cancelled');
  });

  it('a referral cancelled meanwhile is not sent; its cancellation notice still is', async () => {
    const { h, rx: receiver, referralId } = await setup();
    await h.store.db.updateTable('referrals').set({ status: 'cancelled' }).execute();
    await h.worker().runOnce();
    expect(receiver.received).toEqual([]);
    expect(JSON.parse((await h.audit('cancelled'))[0]?.detail ?? '{}')).toMatchObject({
      reason: 'referral-cancelled',
    });
    // After a delivery, a cancel from the trust sends a notice holding only the referral id.
    const again = await setup();
    await again.h.worker().runOnce();
    await again.h.refer({ event: 'referral-cancel', reason: 'delete' });
    await again.h.worker().runOnce();
    const notice = again.rx.received[1];
    expect(JSON.parse(notice?.body ?? '{}')).toEqual({
      type: 'referral.cancelled',
      timestamp: expect.any(String),
      data: { referralId: expect.any(String) },
    });
    const disclosed = await again.h.audit('disclosed');
    expect(disclosed.map((d) => JSON.parse(String(d.fields)))).toEqual([expect.any(Array), []]);
    expect(referralId).not.toBe('');
  });

  it.each([
    ['a plain http URL to another host', 'http://example.org/hook', 'webhook URL must use https://'],
    ['a URL with credentials', 'https://user:pw@example.org/hook', 'webhook URL must not carry credentials'],
  ])('refuses %s without sending', async (_name, url, error) => {
    const { h } = await setup({ url });
    await h.worker().runOnce();
    expect(await rows(h)).toMatchObject([{ state: 'failed', last_error: error }]);
  });

  it('refuses http://127.0.0.1 unless ALLOW_INSECURE_LOCAL_WEBHOOKS', async () => {
    const { h, rx: receiver } = await setup();
    await h.worker({ tuning: { allowInsecureLocalWebhooks: false } }).runOnce();
    expect(receiver.received).toEqual([]);
    expect((await rows(h))[0]?.last_error).toMatch(/ALLOW_INSECURE_LOCAL_WEBHOOKS/);
  });

  it('a missing secret fails the delivery and says which secret', async () => {
    const { h, rx: receiver } = await setup({ secretRef: 'env:NOT_SET_ANYWHERE' });
    await h.worker().runOnce();
    expect(receiver.received).toEqual([]);
    expect(await rows(h)).toMatchObject([
      { state: 'failed', last_error: 'webhook secret env:NOT_SET_ANYWHERE is not set or empty' },
    ]);
    expect(JSON.parse((await h.audit('delivery-failed'))[0]?.detail ?? '{}')).toMatchObject({
      reason: 'permanent',
    });
  });

  it('leaves pull deliveries to the inbox', async () => {
    const h = await harness({ registry: (r) => openEnded(r) });
    await h.refer({ ...wearmouthRequest() });
    expect(await h.worker().runOnce()).toBe(0);
    expect((await rows(h))[0]).toMatchObject({ channel: 'pull', state: 'pending', attempts: 0 });
  });
});
