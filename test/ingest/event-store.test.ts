/** Idempotency by the UNIQUE index on events(sender, message_id) (issue 4 item 6). */
import { describe, expect, it } from 'vitest';
import { type NewEvent, recordEvent } from '../../src/ingest/event-store.js';
import { openStore } from '../../src/store/index.js';

const row = (over: Partial<NewEvent> = {}): NewEvent => ({
  id: 'e-1',
  sender: 'north-coast-trust',
  message_id: 'm-1',
  event_code: 'admission',
  reason: 'new',
  received_at: '2026-11-23T10:00:00.000Z',
  request_id: 'r-1',
  payload_sha256: 'a'.repeat(64),
  payload: '{}',
  response: '{"resourceType":"Bundle"}',
  status: 'validated',
  resolved: null,
  ...over,
});

const nothing = async () => {};

describe('recording an event', () => {
  it('stores once; the same key and hash is a replay of the stored row, another hash a conflict', async () => {
    const store = await openStore('sqlite::memory:');
    expect(await recordEvent(store, row(), nothing)).toEqual({ kind: 'stored' });
    expect(await recordEvent(store, row({ id: 'e-2' }), nothing)).toEqual({
      kind: 'replay',
      event: { id: 'e-1', payload_sha256: 'a'.repeat(64), response: '{"resourceType":"Bundle"}' },
    });
    expect(
      await recordEvent(store, row({ id: 'e-3', payload_sha256: 'b'.repeat(64) }), nothing),
    ).toMatchObject({
      kind: 'conflict',
      event: { id: 'e-1' },
    });
    const rows = await store.db.selectFrom('events').select('id').execute();
    expect(rows).toEqual([{ id: 'e-1' }]);
    await store.close();
  });

  it('keys on the sender too: another trust may reuse a message id', async () => {
    const store = await openStore('sqlite::memory:');
    await recordEvent(store, row(), nothing);
    expect(await recordEvent(store, row({ id: 'e-2', sender: 'riverside-trust' }), nothing)).toEqual({
      kind: 'stored',
    });
    await store.close();
  });

  it('stores nothing when the work done in the same transaction fails', async () => {
    const store = await openStore('sqlite::memory:');
    await expect(
      recordEvent(store, row(), async () => {
        throw new Error('audit refused');
      }),
    ).rejects.toThrow('audit refused');
    expect(await store.db.selectFrom('events').select('id').execute()).toEqual([]);
    await store.close();
  });

  it('does not mistake another constraint failure for a replay', async () => {
    const store = await openStore('sqlite::memory:');
    await recordEvent(store, row(), nothing);
    // Same primary key, new (sender, message_id): not an idempotent replay, a bug.
    await expect(recordEvent(store, row({ message_id: 'm-2' }), nothing)).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    await store.close();
  });
});
