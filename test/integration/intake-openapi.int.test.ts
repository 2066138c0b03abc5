/** The fixtures are the examples of openapi.yaml (conventions 11): docs and tests cannot drift apart. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FIXTURE_DIR, scenarios } from '../ingest/fixtures.js';

function externalValues(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) externalValues(n, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'externalValue' && typeof v === 'string') out.push(v);
      else externalValues(v, out);
    }
  }
  return out;
}

describe('openapi.yaml examples of $process-message', () => {
  const spec = parse(readFileSync('openapi.yaml', 'utf8')) as { paths: Record<string, unknown> };
  const examples = externalValues(spec.paths['/fhir/$process-message']);

  it('point at fixture files that exist', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const file of examples) expect(existsSync(file), file).toBe(true);
  });

  it('include every valid scenario and the invalid NHS number', () => {
    for (const name of scenarios().filter((n) => !n.startsWith('invalid-several'))) {
      expect(examples).toContain(`${FIXTURE_DIR}/${name}-request.json`);
    }
  });
});
