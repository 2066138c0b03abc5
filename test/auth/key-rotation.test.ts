/**
 * Issue 10 item 3: `homeward keys rotate`. The new key is published at once and signs from its
 * activation; the old one stays published while its tokens may live, then is removed (never the
 * active key), its public half kept so the audit checkpoints it signed still verify.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { takeCheckpoint, verifyAgainstCheckpoint } from '../../src/audit/checkpoint.js';
import { verifyAudit } from '../../src/audit/reads.js';
import { issueAccessToken, verifyAccessToken } from '../../src/auth/access-token.js';
import {
  ACTIVATION_DELAY_S,
  MAX_TOKEN_LIFETIME_S,
  REMOVAL_MARGIN_S,
  rotateSigningKeys,
} from '../../src/auth/key-rotation.js';
import { generateSigningKey, keyFiles, loadKeyRing } from '../../src/auth/keys.js';
import { runCommand } from '../../src/cli/commands.js';
import { fixedClock, systemClock } from '../../src/clock.js';
import { parseSettings } from '../../src/config/settings.js';
import { sequentialIds } from '../../src/ids.js';
import { openStore } from '../../src/store/index.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';

const T0 = new Date('2026-11-23T09:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ISSUER = 'https://homeward.example';

describe('keys rotate', () => {
  it('publishes the new key first, activates it later, keeps the old one until its tokens expire', async () => {
    const dir = tempDir('homeward-rotate-');
    const k1 = await generateSigningKey(dir, T0);
    let now = at(3600);
    const ring = await loadKeyRing(dir, { generateIfMissing: false, now: () => now });
    const token = await issueAccessToken('north-coast-trust', ['system/Bundle.c'], {
      keys: ring,
      issuer: ISSUER,
      ttlSeconds: 900,
      now,
    });

    const first = await rotateSigningKeys(dir, now);
    expect(first).toMatchObject({ activatesAt: at(3600 + ACTIVATION_DELAY_S).toISOString(), removed: [] });
    expect(first.retired).toEqual([
      {
        kid: k1,
        retiredAt: first.activatesAt,
        removableAfter: at(3600 + ACTIVATION_DELAY_S + MAX_TOKEN_LIFETIME_S + REMOVAL_MARGIN_S).toISOString(),
      },
    ]);
    await ring.reload();
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([k1, first.kid]);
    expect(ring.active.kid).toBe(k1); // published, not signing yet
    now = at(3600 + ACTIVATION_DELAY_S);
    expect(ring.active.kid).toBe(first.kid);
    // A token the old key signed still verifies after the switch.
    await expect(verifyAccessToken(token.token, { keys: ring, issuer: ISSUER, now })).resolves.toMatchObject({
      partnerId: 'north-coast-trust',
    });

    // Too early to remove k1: its tokens may still be alive.
    const second = await rotateSigningKeys(dir, at(3600 + 600));
    expect(second.removed).toEqual([]);
    expect(second.retired.map((r) => r.kid)).toEqual([first.kid]);
    const third = await rotateSigningKeys(dir, at(3 * 3600));
    expect(third.removed).toEqual([k1, first.kid]);
    expect(keyFiles(dir).map((k) => k.kid)).toEqual([second.kid, third.kid]);
    const kept = JSON.parse(readFileSync(join(dir, 'retired', `${k1}.public.jwk.json`), 'utf8'));
    expect(kept).toMatchObject({ kid: k1, kty: 'OKP' });
    expect(kept.d).toBeUndefined();
    const record = JSON.parse(readFileSync(join(dir, 'rotation.json'), 'utf8'));
    expect(record[k1]).toEqual({ retiredAt: first.activatesAt, removedAt: at(3 * 3600).toISOString() });
    await ring.reload();
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([second.kid, third.kid]);
    expect(ring.retiredJwks().map((k) => k.kid)).toEqual(expect.arrayContaining([k1, first.kid]));
  });

  it('never removes the active key, however old its retirement record', async () => {
    const dir = tempDir('homeward-rotate-active-');
    await generateSigningKey(dir, T0);
    const a = await rotateSigningKeys(dir, at(60));
    // Nobody rotated for a week: the key activated by `a` is active and old, and is not removed.
    const b = await rotateSigningKeys(dir, at(7 * 86_400));
    expect(b.removed).toHaveLength(1);
    expect(b.removed).not.toContain(a.kid);
    expect(existsSync(join(dir, 'retired', `${a.kid}.public.jwk.json`))).toBe(false);
  });

  it('keeps old audit checkpoints verifiable after their key was removed', async () => {
    const dir = tempDir('homeward-rotate-cp-');
    await generateSigningKey(dir, T0);
    let now = at(60);
    const keys = await loadKeyRing(dir, { generateIfMissing: false, now: () => now });
    const store = await openStore('sqlite::memory:');
    const audit = createAuditLog({ clock: systemClock, subjectKey: TEST_SUBJECT_KEY });
    await store.transaction((tx) => audit.append(tx, { action: 'registry-loaded', actor: 'gateway' }));
    const old = await takeCheckpoint({ store, keys, clock: fixedClock(now), ids: sequentialIds('cp') });
    await rotateSigningKeys(dir, at(120));
    const later = await rotateSigningKeys(dir, at(86_400));
    expect(later.removed).toHaveLength(1);
    now = at(86_400);
    await keys.reload();
    expect(keys.jwks().keys.map((k) => k.kid)).not.toContain(old.kid);
    expect(await verifyAgainstCheckpoint(store.db, old.jws, keys)).toMatchObject({ ok: true });
    expect(await verifyAudit({ store, keys })).toMatchObject({ ok: true });
    await store.close();
  });

  it('is a CLI command that says what happened and records it in the audit', async () => {
    const dir = tempDir('homeward-rotate-cli-');
    const old = await generateSigningKey(dir);
    const databaseUrl = `sqlite:${join(dir, 'gateway.db')}`;
    const settings = parseSettings({
      KEYS_DIR: dir,
      DATABASE_URL: databaseUrl,
      AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
    });
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runCommand(['keys', 'rotate'], settings, io)).toBe(0);
    expect(out[0]).toMatch(/^New signing key \S+: published now, signs from \S+Z/);
    expect(out[1]).toMatch(/^Retired \S+ at \S+Z: stays published until \S+Z/);
    expect(out.at(-1)).toBe('Recorded in the audit (action keys-rotated).');
    const store = await openStore(databaseUrl);
    const entries = await store.db.selectFrom('audit').selectAll().execute();
    await store.close();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'keys-rotated', actor: 'gateway', subject_hmac: null });
    const detail = JSON.parse(entries[0]?.detail ?? '{}');
    expect(detail.retired).toEqual([{ kid: old, removableAfter: expect.any(String) }]);
    expect(detail.kid).toMatch(/\S+/);
    expect(detail.kid).not.toBe(old);
  });

  it('rotates nothing when the database cannot be opened', async () => {
    const dir = tempDir('homeward-rotate-nodb-');
    await generateSigningKey(dir);
    const before = keyFiles(dir).map((k) => k.kid);
    const settings = parseSettings({
      KEYS_DIR: dir,
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
    });
    const io = { out: () => undefined, err: () => undefined };
    await expect(runCommand(['keys', 'rotate'], settings, io)).rejects.toThrow();
    expect(keyFiles(dir).map((k) => k.kid)).toEqual(before);
  });
});
