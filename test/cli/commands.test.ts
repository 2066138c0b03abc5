import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { parseSettings } from '../../src/config/settings.js';
import { tempDir } from '../helpers/test-app.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('homeward CLI', () => {
  it('config check summarises the sample registry and exits 0', async () => {
    const t = io();
    const code = await runCommand(['config', 'check'], parseSettings({}), t.io);
    expect(code).toBe(0);
    expect(t.out.join('\n')).toMatch(/OK: \d+ partners, \d+ agreement versions/);
  });

  it('config check exits 1 and names the problem for a missing consent dir', async () => {
    const t = io();
    const code = await runCommand(
      ['config', 'check'],
      parseSettings({ CONSENT_DIR: '/nonexistent/consent' }),
      t.io,
    );
    expect(code).toBe(1);
    expect(t.err.join('\n')).toContain('/nonexistent/consent');
  });

  it('keys generate writes a private key file readable only by its owner', async () => {
    const dir = join(tempDir(), 'keys');
    const t = io();
    expect(await runCommand(['keys', 'generate'], parseSettings({ KEYS_DIR: dir }), t.io)).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(statSync(join(dir, files[0] ?? '')).mode & 0o777).toBe(0o600);
  });

  it('unknown commands exit 2 with usage', async () => {
    const t = io();
    expect(await runCommand(['frobnicate'], parseSettings({}), t.io)).toBe(2);
    expect(t.err.join('\n')).toContain('Usage: homeward');
  });
});
