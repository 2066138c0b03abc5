import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/test-app.js';

/** Start the writer, wait until it reports `kills` commits, SIGKILL it; resolve the reported keys. */
function writeThenKill(dbPath: string, prefix: string, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url)), dbPath, prefix],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const committed: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      buffer += String(d);
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^committed (.+)$/.exec(line);
        if (m?.[1]) committed.push(m[1]);
        if (committed.length === killAfter) child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(committed);
      else reject(new Error(`writer exited without being killed: ${stderr}`));
    });
  });
}

describe('SQLite store durability', () => {
  it('keeps every row whose commit was reported, across repeated SIGKILLs', async () => {
    const dbPath = join(tempDir('homeward-crash-'), 'gateway.db');
    const reported: string[] = [];
    // Kill at different depths so the kill lands at different points of the write cycle.
    for (const [round, killAfter] of [37, 150, 1, 400, 73].entries()) {
      reported.push(...(await writeThenKill(dbPath, `r${round}`, killAfter)));
    }
    const store = await openStore(`sqlite:${dbPath}`);
    try {
      const rows = await store.db.selectFrom('kv').select('key').execute();
      const stored = new Set(rows.map((r) => r.key));
      const lost = reported.filter((k) => !stored.has(k));
      expect(reported.length).toBeGreaterThanOrEqual(661);
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
