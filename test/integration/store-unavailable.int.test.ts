/**
 * A database busy beyond its wait (another process holding SQLite's write lock for longer than
 * busy_timeout) is not a bug: the trust gets 503 with Retry-After and an OperationOutcome, nothing
 * is stored, and the same message sent again once the lock is gone is accepted.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/test-app.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

describe('database busy', () => {
  it('answers 503 with Retry-After, stores nothing, and accepts the same message afterwards', async () => {
    const file = join(tempDir('homeward-busy-'), 'gateway.db');
    const store = await openStore(`sqlite:${file}`);
    const ctx = await intakeApp({ store });
    // Another process (a CLI command, say) holds the write lock for longer than busy_timeout (5 s).
    const other = new BetterSqlite3(file);
    other.prepare('begin immediate').run();
    const refused = await post(ctx.app, ctx.deps, fixture('admission'));
    other.prepare('rollback').run();
    other.close();

    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['content-type']).toContain('application/fhir+json');
    expect(JSON.parse(refused.text)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'transient', diagnostics: expect.stringContaining('busy or unreachable') },
      ],
    });
    expect(await store.db.selectFrom('events').select('id').execute()).toEqual([]);
    expect(ctx.deps.logs.text()).toContain('database busy or unreachable');
    expect(ctx.deps.logs.text()).not.toContain('unhandled error');

    const again = await post(ctx.app, ctx.deps, fixture('admission'));
    expect(again.status).toBe(200);
    expect(await store.db.selectFrom('events').select('id').execute()).toHaveLength(1);
    await store.close();
  }, 20_000);
});
