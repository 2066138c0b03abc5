import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/test-app.js';
import { auditFixture, disclosure } from './helpers.js';

interface Writer {
  ready: Promise<void>;
  go(): void;
  done: Promise<string>;
}

function writer(dbPath: string, name: string, count: number): Writer {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./fixtures/append-writer.mjs', import.meta.url)), dbPath, name, String(count)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on('data', (d) => {
    out += String(d);
    if (out.includes('ready')) onReady();
  });
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`writer ${name} exited ${code}: ${err}`)),
    ),
  );
  return { ready, go: () => child.stdin.write('go\n'), done };
}

describe('concurrent appends keep one valid, gap-free chain', () => {
  it('three processes, each with its own connection to the same SQLite file', async () => {
    const dbPath = join(tempDir('homeward-audit-conc-'), 'gateway.db');
    // Create the schema first so the writers do not race on migrations.
    await (await openStore(`sqlite:${dbPath}`)).close();
    const perWriter = 120;
    const names = ['writer-a', 'writer-b', 'writer-c'];
    const writers = names.map((n) => writer(dbPath, n, perWriter));
    // A writer that dies before "ready" fails the test at once instead of leaving it waiting.
    await Promise.all(writers.map((w) => Promise.race([w.ready, w.done.then(() => {})])));
    for (const w of writers) w.go();
    await Promise.all(writers.map((w) => w.done));

    const store = await openStore(`sqlite:${dbPath}`);
    try {
      const rows = await store.db.selectFrom('audit').select(['seq', 'actor']).orderBy('seq').execute();
      expect(rows.map((r) => r.seq)).toEqual(
        Array.from({ length: names.length * perWriter }, (_, i) => i + 1),
      );
      for (const n of names) expect(rows.filter((r) => r.actor === n)).toHaveLength(perWriter);
      // The writers really interleaved: otherwise this test would prove nothing about locking.
      const switches = rows.filter((r, i) => i > 0 && r.actor !== rows[i - 1]?.actor).length;
      expect(switches).toBeGreaterThan(names.length);
      expect(await verifyChain(store.db)).toMatchObject({ ok: true, entries: names.length * perWriter });
    } finally {
      await store.close();
    }
  });

  it('many concurrent transactions on one store', async () => {
    const f = await auditFixture();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => f.store.transaction((tx) => f.audit.append(tx, disclosure(i)))),
    );
    expect(await verifyChain(f.store.db)).toMatchObject({ ok: true, entries: 200 });
  });
});
