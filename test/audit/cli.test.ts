import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { parseSettings } from '../../src/config/settings.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { dropAppendOnlyTriggers, withEntries } from './helpers.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const raw: string[] = [];
  return {
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      write: (c: string) => raw.push(c),
    },
    out,
    err,
    raw,
  };
}

/** A gateway database with `n` entries, and the settings the CLI reads it with. */
async function gatewayDb(n: number) {
  const dir = tempDir('homeward-audit-cli-');
  const url = `sqlite:${join(dir, 'gateway.db')}`;
  const f = await withEntries(n, url);
  const settings = parseSettings({
    DATABASE_URL: url,
    KEYS_DIR: join(dir, 'keys'),
    AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
  });
  return { dir, f, settings };
}

describe('homeward audit', () => {
  it('verify: exit 0 on an intact chain, and the read itself is audited', async () => {
    const { f, settings } = await gatewayDb(4);
    const t = io();
    expect(await runCommand(['audit', 'verify'], settings, t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(/^Audit chain OK: 5 entries; head seq 5 hash [0-9a-f]{64}$/);
    const last = await f.store.db
      .selectFrom('audit')
      .selectAll()
      .where('seq', '=', 5)
      .executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: 'audit-read', actor: 'gateway', detail: '{"operation":"verify"}' });
    await f.store.close();
  });

  it('verify: exit 1 naming the first broken entry', async () => {
    const { f, settings } = await gatewayDb(6);
    await dropAppendOnlyTriggers(f.store);
    await f.store.db.updateTable('audit').set({ purpose: 'edited' }).where('seq', '=', 3).execute();
    const t = io();
    expect(await runCommand(['audit', 'verify'], settings, t.io)).toBe(1);
    expect(t.err.join('\n')).toBe(
      'Audit chain BROKEN: first broken entry is seq 3: entry 3 was altered (its hash does not match)',
    );
    await f.store.close();
  });

  it('checkpoint, then verify --checkpoint proves a later truncation', async () => {
    const { dir, f, settings } = await gatewayDb(5);
    const t = io();
    expect(await runCommand(['audit', 'checkpoint'], settings, t.io)).toBe(0);
    expect(JSON.parse(t.out[0] ?? '')).toMatchObject({ seq: 6, entries: 6 });
    const file = join(dir, 'checkpoint.jws');
    writeFileSync(file, `${t.out.join('\n')}\n`);
    expect(await runCommand(['audit', 'verify', '--checkpoint', file], settings, io().io)).toBe(0);
    // Truncate, and remove the stored checkpoints too: only the copy kept outside proves it.
    await dropAppendOnlyTriggers(f.store);
    await f.store.db.deleteFrom('audit').where('seq', '>=', 4).execute();
    await f.store.db.deleteFrom('audit_checkpoints').execute();
    const plain = io();
    expect(await runCommand(['audit', 'verify'], settings, plain.io)).toBe(0);
    const withCheckpoint = io();
    expect(await runCommand(['audit', 'verify', '--checkpoint', file], settings, withCheckpoint.io)).toBe(1);
    // The two verify runs appended their own audit-read entries (seq 4 and 5) after the cut.
    expect(withCheckpoint.err.join('\n')).toMatch(
      /does NOT match checkpoint .*first broken entry is seq 6: entry 6 named by the checkpoint is missing: the log was truncated/,
    );
    await f.store.close();
  });

  it('export: CSV to a file readable only by its owner, FHIR to stdout', async () => {
    const { dir, f, settings } = await gatewayDb(3);
    const out = join(dir, 'audit.csv');
    expect(await runCommand(['audit', 'export', '--out', out], settings, io().io)).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^seq,at,action,actor,recipient,/);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1 + 4);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const t = io();
    expect(await runCommand(['audit', 'export', '--format', 'fhir'], settings, t.io)).toBe(0);
    const bundle = JSON.parse(t.raw.join('')) as { type: string; entry: unknown[] };
    expect(bundle.type).toBe('collection');
    expect(bundle.entry).toHaveLength(5);
    await f.store.close();
  });

  it('usage errors exit 2', async () => {
    const { f, settings } = await gatewayDb(0);
    for (const argv of [
      ['audit'],
      ['audit', 'frobnicate'],
      ['audit', 'export', '--format'],
      ['audit', 'export', '--format', 'xml'],
      ['audit', 'verify', '--out', 'x'],
      ['audit', 'constructor'],
    ]) {
      const t = io();
      expect(await runCommand(argv, settings, t.io), argv.join(' ')).toBe(2);
    }
    await f.store.close();
  });
});
