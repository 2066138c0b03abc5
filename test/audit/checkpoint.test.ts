import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../src/audit/canonical.js';
import {
  checkpointIfChanged,
  startCheckpointTimer,
  takeCheckpoint,
  verifyAgainstCheckpoint,
} from '../../src/audit/checkpoint.js';
import { verifyAudit } from '../../src/audit/reads.js';
import { verifyChain } from '../../src/audit/verify.js';
import { loadKeyRing } from '../../src/auth/keys.js';
import { sequentialIds } from '../../src/ids.js';
import { tempDir } from '../helpers/test-app.js';
import { type AuditFixture, disclosure, dropAppendOnlyTriggers, withEntries } from './helpers.js';

async function setUp(n: number) {
  const f = await withEntries(n);
  const keys = await loadKeyRing(tempDir('homeward-cp-keys-'), { generateIfMissing: true });
  return { ...f, keys, deps: { store: f.store, keys, clock: f.clock, ids: sequentialIds('cp') } };
}

async function truncate(f: AuditFixture, fromSeq: number): Promise<void> {
  await dropAppendOnlyTriggers(f.store);
  await f.store.db.deleteFrom('audit').where('seq', '>=', fromSeq).execute();
}

describe('signed checkpoints', () => {
  it('sign the head as a compact EdDSA JWS with the active kid, and are stored', async () => {
    const t = await setUp(5);
    const head = await t.store.db
      .selectFrom('audit')
      .select('hash')
      .where('seq', '=', 5)
      .executeTakeFirstOrThrow();
    const cp = await takeCheckpoint(t.deps);
    expect(cp).toMatchObject({
      seq: 5,
      hash: head.hash,
      entries: 5,
      at: t.clock.now().toISOString(),
      kid: t.keys.active.kid,
    });
    expect(decodeProtectedHeader(cp.jws)).toMatchObject({ alg: 'EdDSA', kid: t.keys.active.kid });
    const { payload } = await compactVerify(cp.jws, createLocalJWKSet(t.keys.jwks()));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      seq: 5,
      hash: head.hash,
      at: cp.at,
      entries: 5,
    });
    expect(await t.store.db.selectFrom('audit_checkpoints').select(['seq', 'jws']).execute()).toEqual([
      { seq: 5, jws: cp.jws },
    ]);
  });

  it('of an empty chain name seq 0 and the genesis hash', async () => {
    const t = await setUp(0);
    expect(await takeCheckpoint(t.deps)).toMatchObject({ seq: 0, hash: GENESIS_HASH, entries: 0 });
  });

  it('hold while the chain only grows', async () => {
    const t = await setUp(4);
    const cp = await takeCheckpoint(t.deps);
    await t.append(disclosure(5));
    expect(await verifyAgainstCheckpoint(t.store.db, cp.jws, t.keys)).toMatchObject({ ok: true });
  });

  it('prove a truncation the chain alone cannot see', async () => {
    const t = await setUp(10);
    const cp = await takeCheckpoint(t.deps);
    await truncate(t, 8);
    const chainOnly = await verifyChain(t.store.db);
    expect(chainOnly).toMatchObject({ ok: true, entries: 7 });
    expect(await verifyAgainstCheckpoint(t.store.db, cp.jws, t.keys)).toMatchObject({
      ok: false,
      firstBrokenSeq: 8,
      problem: expect.stringMatching(/entry 10 .* missing: the log was truncated/),
    });
    // GET /audit/verify and `audit verify` check the newest stored checkpoint too.
    expect(await verifyAudit(t)).toMatchObject({ ok: false, firstBrokenSeq: 8, entries: 7 });
  });

  it('prove a consistent rewrite of the chain', async () => {
    const t = await setUp(6);
    const cp = await takeCheckpoint(t.deps);
    await dropAppendOnlyTriggers(t.store);
    for (let seq = 3; seq <= 6; seq++) {
      const prev = await t.store.db
        .selectFrom('audit')
        .select('hash')
        .where('seq', '=', seq - 1)
        .executeTakeFirstOrThrow();
      const row = await t.store.db
        .selectFrom('audit')
        .selectAll()
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow();
      const { hash: _h, ...rest } = {
        ...row,
        prev_hash: prev.hash,
        purpose: seq === 3 ? 'rewritten' : row.purpose,
      };
      await t.store.db
        .updateTable('audit')
        .set({ ...rest, hash: entryHash(rest) })
        .where('seq', '=', seq)
        .execute();
    }
    expect(await verifyAgainstCheckpoint(t.store.db, cp.jws, t.keys)).toMatchObject({
      ok: false,
      firstBrokenSeq: 6,
      problem: expect.stringMatching(/rewritten/),
    });
  });

  it('name the first broken entry when the chain under the checkpoint is broken', async () => {
    const t = await setUp(6);
    const cp = await takeCheckpoint(t.deps);
    await dropAppendOnlyTriggers(t.store);
    await t.store.db.updateTable('audit').set({ purpose: 'edited' }).where('seq', '=', 2).execute();
    expect(await verifyAgainstCheckpoint(t.store.db, cp.jws, t.keys)).toMatchObject({
      ok: false,
      firstBrokenSeq: 2,
    });
  });

  it('are refused when not signed by a gateway key, or altered', async () => {
    const t = await setUp(3);
    const cp = await takeCheckpoint(t.deps);
    const stranger = await loadKeyRing(tempDir('homeward-cp-other-'), { generateIfMissing: true });
    expect(await verifyAgainstCheckpoint(t.store.db, cp.jws, stranger)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/signature/),
    });
    const [h, , s] = cp.jws.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ seq: 1, hash: 'x', at: cp.at, entries: 1 })).toString('base64url')}.${s}`;
    expect(await verifyAgainstCheckpoint(t.store.db, forged, t.keys)).toMatchObject({ ok: false });
    expect(await verifyAgainstCheckpoint(t.store.db, 'not-a-jws', t.keys)).toMatchObject({ ok: false });
  });

  it('are taken periodically only when the head moved', async () => {
    const t = await setUp(2);
    expect(await checkpointIfChanged(t.deps)).toMatchObject({ seq: 2 });
    expect(await checkpointIfChanged(t.deps)).toBeUndefined();
    await t.append(disclosure(3));
    const errors: unknown[] = [];
    const stop = startCheckpointTimer({ ...t.deps, logger: { error: (o) => errors.push(o) } }, 10);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const rows = await t.store.db.selectFrom('audit_checkpoints').select('seq').execute();
      if (rows.some((r) => r.seq === 3)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    stop();
    expect(errors).toEqual([]);
    expect(
      (await t.store.db.selectFrom('audit_checkpoints').select('seq').orderBy('seq').execute()).map(
        (r) => r.seq,
      ),
    ).toEqual([2, 3]);
    expect(startCheckpointTimer({ ...t.deps, logger: { error: () => {} } }, 0)).toBeTypeOf('function');
  });
});
