import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AuditInputError } from '../../src/audit/audit-log.js';
import { entryHash, GENESIS_HASH } from '../../src/audit/canonical.js';
import { SubjectError } from '../../src/audit/subject.js';
import { TEST_SUBJECT_KEY } from '../helpers/test-app.js';
import { auditFixture, disclosure, PATIENT, registry, withEntries, withheld } from './helpers.js';

const hmac = (n: string) => createHmac('sha256', TEST_SUBJECT_KEY).update(n).digest('hex');

describe('AuditLog.append', () => {
  it('writes entry 1 on the genesis hash (64 zeros: src/audit/README.md), with the time from the injected clock', async () => {
    const f = await auditFixture();
    f.clock.set('2026-12-01T09:30:00.000Z');
    const appended = await f.store.transaction((tx) => f.audit.append(tx, disclosure(1)));
    const row = await f.store.db.selectFrom('audit').selectAll().executeTakeFirstOrThrow();
    expect(appended).toEqual({ seq: 1, hash: row.hash });
    expect(row).toMatchObject({ seq: 1, at: '2026-12-01T09:30:00.000Z', prev_hash: GENESIS_HASH });
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
    const { hash, ...rest } = row;
    expect(hash).toBe(entryHash(rest));
  });

  it('records everything an IG lead asks about a disclosure, by name and by hash', async () => {
    const f = await withEntries(1);
    const row = await f.store.db.selectFrom('audit').selectAll().executeTakeFirstOrThrow();
    const agreement = registry.versions('dsa-north-coast-homestead-discharge')[1];
    expect(row).toMatchObject({
      action: 'disclosed',
      actor: 'north-coast-trust',
      recipient: 'homegroup-discharge',
      referral_id: 'ref-1',
      event_id: 'evt-1',
      agreement_id: 'dsa-north-coast-homestead-discharge',
      agreement_version: '2',
      agreement_sha256: agreement?.sha256,
      consent_refs: '[{"reference":"Consent/consent-1","versionId":"2"}]',
      lawful_basis: '6(1)(e) public task; 9(2)(h) health or social care',
      purpose: 'hospital-discharge-housing-support',
      fields: '["name","contactDetails","nhsNumber","ward"]',
      payload_sha256: disclosure(1).payloadSha256,
      subject_hmac: hmac(PATIENT.nhsNumber),
      request_id: 'req-1',
    });
    expect(agreement?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('numbers entries without gaps and links each to the one before', async () => {
    const f = await withEntries(25);
    const rows = await f.store.db.selectFrom('audit').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    rows.forEach((r, i) => {
      expect(r.prev_hash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]?.hash);
    });
  });

  it('keeps the subject only as an HMAC of the normalised NHS number', async () => {
    const f = await auditFixture();
    for (const form of ['9434765919', '943 476 5919', '943-476-5919', ' 943 476 5919 ']) {
      await f.append(withheld(1, { subjectNhsNumber: form }));
    }
    const rows = await f.store.db.selectFrom('audit').select('subject_hmac').execute();
    expect(new Set(rows.map((r) => r.subject_hmac))).toEqual(new Set([hmac('9434765919')]));
    expect(f.audit.subjectHash('943 476 5919')).toBe(hmac('9434765919'));
    // A different key gives a different, unlinkable value.
    expect(
      createHmac('sha256', 'another-key-of-at-least-32-characters!!').update('9434765919').digest('hex'),
    ).not.toBe(hmac('9434765919'));
  });

  it('rolls back with the state change it records: no entry, and no gap in seq', async () => {
    const f = await withEntries(2);
    await expect(
      f.store.transaction(async (tx) => {
        await f.audit.append(tx, disclosure(3));
        throw new Error('delivery stage failed');
      }),
    ).rejects.toThrow('delivery stage failed');
    expect((await f.append(disclosure(4))).seq).toBe(3);
  });

  it('refuses personal data where only names and codes belong, without echoing it', async () => {
    const f = await auditFixture();
    const refusals: Array<[Partial<Parameters<typeof disclosure>[1]>, RegExp]> = [
      [{ detail: { note: `patient ${PATIENT.spaced}` } }, /detail must not contain an NHS number/],
      [{ detail: { nested: { n: PATIENT.nhsNumber } } }, /detail/],
      [{ purpose: `referral for ${PATIENT.nhsNumber}` }, /purpose/],
      [{ fields: [PATIENT.name] }, /field NAMES/],
      [{ payloadSha256: 'not-a-hash' }, /SHA-256/],
      [{ actor: '' }, /actor/],
    ];
    for (const [overrides, message] of refusals) {
      const attempt = f.store.transaction((tx) => f.audit.append(tx, disclosure(1, overrides)));
      await expect(attempt).rejects.toThrow(AuditInputError);
      await expect(attempt).rejects.toThrow(message);
    }
    const bad = f.store.transaction((tx) => f.audit.append(tx, disclosure(1, { subjectNhsNumber: '12345' })));
    await expect(bad).rejects.toThrow(SubjectError);
    await expect(bad).rejects.not.toThrow(/12345/);
    expect(await f.store.db.selectFrom('audit').selectAll().execute()).toEqual([]);
  });

  it('allows hashes and UUIDs in detail (digit runs inside them are not NHS numbers)', async () => {
    const f = await auditFixture();
    const detail = { sha: 'ab12345678901cd'.padEnd(64, 'e'), id: '123e4567-e89b-12d3-a456-426614174000' };
    await expect(f.append(disclosure(1, { detail }))).resolves.toMatchObject({ seq: 1 });
  });

  it('is append-only in the database: UPDATE and DELETE fail', async () => {
    const f = await withEntries(2);
    await expect(sql`update audit set purpose = 'x' where seq = 1`.execute(f.store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit where seq = 2`.execute(f.store.db)).rejects.toThrow(/append-only/);
    await expect(f.store.db.selectFrom('audit').select('seq').execute()).resolves.toHaveLength(2);
  });
});
