/**
 * Docs move with code: every variable the gateway reads is in SETTINGS_DOC, and README
 * "Configuration" lists exactly those (a setting added without its row, or a row left behind
 * after a setting was removed, fails here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS_DOC } from '../../src/config/settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const configuration = readme.split('\n## Configuration\n')[1]?.split('\n## ')[0] ?? '';
/** The names of a table row `| `A` / `B` | ...`. */
const readmeNames = [...configuration.matchAll(/^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*) \|/gm)].flatMap((m) =>
  [...(m[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((n) => n[1] ?? ''),
);
const sourceNames = (dir: string) =>
  ['settings.ts', 'database-settings.ts', 'operations-settings.ts', 'consent-recheck-settings.ts'].flatMap(
    (f) => [
      ...readFileSync(new URL(`${dir}/${f}`, import.meta.url), 'utf8').matchAll(/env, '([A-Z0-9_]+)'/g),
    ],
  );

describe('settings documentation', () => {
  const documented = SETTINGS_DOC.map((s) => s.name).sort();

  it('README "Configuration" lists exactly the documented settings', () => {
    expect(readmeNames.length).toBeGreaterThan(20);
    expect([...new Set(readmeNames)].sort()).toEqual(documented);
  });

  it('every integer setting the parsers read is documented', () => {
    const read = [...new Set(sourceNames('../../src/config').map((m) => m[1] ?? ''))];
    expect(read.length).toBeGreaterThan(15);
    for (const name of read) expect(documented, name).toContain(name);
  });
});
