/**
 * Verified access tokens are remembered (issue 11: verifying the signature was the largest cost of
 * authentication), but never beyond what jose would accept: not after exp, not before nbf, not for
 * another issuer, and not once the keys that signed them are gone.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken } from '../../src/auth/access-token.js';
import { generateSigningKey, keyFiles, loadKeyRing } from '../../src/auth/keys.js';
import { tempDir } from '../helpers/test-app.js';

const T0 = new Date('2026-11-23T09:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ISSUER = 'https://homeward.example';

async function setUp() {
  const dir = tempDir('homeward-token-memory-');
  await generateSigningKey(dir, at(-3600));
  const keys = await loadKeyRing(dir, { generateIfMissing: false, now: () => T0 });
  const { token } = await issueAccessToken('north-coast-trust', ['system/Bundle.c'], {
    keys,
    issuer: ISSUER,
    ttlSeconds: 300,
    now: T0,
  });
  return { dir, keys, token };
}

describe('verifyAccessToken remembers verified tokens only while jose would accept them', () => {
  it('answers a repeated token with the same claims until the second it expires', async () => {
    const { keys, token } = await setUp();
    const first = await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(1) });
    const again = await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(299.999) });
    expect(again).toBe(first);
    expect(first).toMatchObject({ partnerId: 'north-coast-trust', scopes: ['system/Bundle.c'] });
    await expect(verifyAccessToken(token, { keys, issuer: ISSUER, now: at(300) })).rejects.toThrow(/exp/);
  });

  it('refuses a remembered token when the clock is set back before its nbf', async () => {
    const { keys, token } = await setUp();
    await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(10) });
    await expect(verifyAccessToken(token, { keys, issuer: ISSUER, now: at(-5) })).rejects.toThrow(/nbf/);
  });

  it('does not carry a token verified for one issuer over to another', async () => {
    const { keys, token } = await setUp();
    await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(1) });
    await expect(
      verifyAccessToken(token, { keys, issuer: 'https://other.example', now: at(2) }),
    ).rejects.toThrow(/iss/);
  });

  it('forgets everything when the keys are reloaded: a token whose key was removed is refused', async () => {
    const { dir, keys, token } = await setUp();
    await verifyAccessToken(token, { keys, issuer: ISSUER, now: at(1) });
    const [old] = keys.all;
    await generateSigningKey(dir, at(-60));
    for (const f of keyFiles(dir)) if (f.kid === old?.kid) rmSync(f.file);
    await keys.reload();
    expect(keys.all.map((k) => k.kid)).not.toContain(old?.kid);
    await expect(verifyAccessToken(token, { keys, issuer: ISSUER, now: at(2) })).rejects.toThrow();
  });

  it('never remembers a refusal: a tampered token stays refused, the real one still passes', async () => {
    const { keys, token } = await setUp();
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${p}.${s?.startsWith('A') ? 'B' : 'A'}${s?.slice(1)}`;
    await expect(verifyAccessToken(tampered, { keys, issuer: ISSUER, now: at(1) })).rejects.toThrow();
    await expect(verifyAccessToken(tampered, { keys, issuer: ISSUER, now: at(1) })).rejects.toThrow();
    await expect(verifyAccessToken(token, { keys, issuer: ISSUER, now: at(1) })).resolves.toMatchObject({
      partnerId: 'north-coast-trust',
    });
  });
});
