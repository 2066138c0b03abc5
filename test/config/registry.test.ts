import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASET_FIELDS } from '../../src/config/dataset-fields.js';
import { loadRegistry, summariseRegistry } from '../../src/config/registry.js';
import { RegistryError, type RegistryProblem } from '../../src/config/registry-types.js';

const SAMPLE = fileURLToPath(new URL('../../consent/', import.meta.url));
const KEYS = fileURLToPath(new URL('../../examples/keys/', import.meta.url));
const NC_V1 = 'agreements/dsa-north-coast-homestead-discharge.v1.yaml';
const NC_V2 = 'agreements/dsa-north-coast-homestead-discharge.v2.yaml';
const NC_TB = 'agreements/dsa-north-coast-tynebridge-dtr.v1.yaml';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of the sample registry that a test may break. */
function sampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'homeward-registry-'));
  dirs.push(dir);
  for (const folder of ['partners', 'agreements'])
    cpSync(join(SAMPLE, folder), join(dir, folder), { recursive: true });
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(path, after);
}

function problemsOf(dir: string): RegistryProblem[] {
  try {
    loadRegistry(dir);
  } catch (e: unknown) {
    if (e instanceof RegistryError) return e.problems;
    throw e;
  }
  throw new Error('expected a RegistryError');
}

/** "file path" pairs, file relative to the consent dir: tests assert locations, not wording. */
function locations(dir: string): string[] {
  return problemsOf(dir).map((p) => `${relative(dir, p.file)} ${p.path}`);
}

describe('loadRegistry: the sample set', () => {
  const registry = loadRegistry(SAMPLE);

  it('loads every sample partner and agreement version', () => {
    expect(registry.partners.size).toBe(7);
    expect(registry.agreements).toHaveLength(8);
    expect(registry.versions('dsa-north-coast-homestead-discharge').map((a) => a.version)).toEqual([1, 2]);
    expect(registry.partnerByOds('R9N1C')?.id).toBe('north-coast-trust');
    expect(registry.partner('wearmouth-council')?.delivery).toEqual({ mode: 'pull', format: 'dataset' });
    expect(registry.versions('no-such-agreement')).toEqual([]);
  });

  it('marks every sample file synthetic, and active agreements are in force on 2026-11-23', () => {
    for (const item of [...registry.partners.values(), ...registry.agreements]) {
      expect(item.synthetic).toBe(true);
      expect(readFileSync(item.source, 'utf8')).toMatch(/^# SYNTHETIC sample data: not a real organisation/);
    }
    for (const a of registry.agreements.filter((x) => x.status === 'active')) {
      expect(a.effective.from <= '2026-11-23' && '2026-11-23' <= (a.effective.to ?? '9999')).toBe(true);
    }
  });

  it('records the source file and the SHA-256 of its bytes', () => {
    for (const a of registry.agreements) {
      expect(a.sha256).toBe(createHash('sha256').update(readFileSync(a.source)).digest('hex'));
    }
    expect(registry.partner('riverside-trust')?.source).toBe(
      join(SAMPLE, 'partners', 'riverside-trust.yaml'),
    );
  });

  it('pairs each dev private key in examples/keys with the public key its partner publishes', () => {
    const files = readdirSync(KEYS).filter((f) => f.endsWith('.private.jwk.json'));
    expect(files).toHaveLength(registry.partners.size);
    for (const file of files) {
      const priv = JSON.parse(readFileSync(join(KEYS, file), 'utf8')) as Record<string, string>;
      const partner = registry.partner(file.replace('.private.jwk.json', ''));
      const keys = partner && 'jwks' in partner.keys ? partner.keys.jwks.keys : [];
      const pub = keys.find((k) => k.kid === priv.kid);
      expect(pub).toMatchObject({ kty: 'EC', crv: 'P-256', x: priv.x, y: priv.y, alg: 'ES256' });
      expect(pub).not.toHaveProperty('d');
    }
  });

  it('enumerates in the agreement schema exactly the dataset field catalogue', () => {
    const schema = JSON.parse(readFileSync(join(SAMPLE, 'schema', 'agreement.schema.json'), 'utf8'));
    const catalogue = new Set(Object.values(DATASET_FIELDS).flat());
    expect(new Set(schema.properties.fields.items.enum)).toEqual(catalogue);
  });

  it('summarises partners and agreements for config check', () => {
    const text = summariseRegistry(registry);
    expect(text).toContain('tynebridge-council (LTB01');
    expect(text).toContain(
      'dsa-north-coast-homestead-discharge v2 active: north-coast-trust -> homegroup-discharge',
    );
  });
});

describe('loadRegistry: files that cannot be read', () => {
  it('names the file and line of a YAML syntax error', () => {
    const dir = sampleCopy();
    edit(dir, NC_V2, (t) => t.replace('purpose: hospital', 'purpose: [hospital'));
    expect(locations(dir)).toEqual([
      expect.stringMatching(
        /^agreements\/dsa-north-coast-homestead-discharge\.v2\.yaml \(yaml line \d+ col \d+\)$/,
      ),
    ]);
  });

  it('refuses duplicate keys and empty files', () => {
    const dir = sampleCopy();
    edit(dir, NC_V2, (t) => `${t}purpose: something-else\n`);
    writeFileSync(join(dir, 'agreements', 'empty.yaml'), '# nothing yet\n');
    const found = locations(dir);
    expect(found).toContainEqual(
      expect.stringMatching(/^agreements\/dsa-north-coast-homestead-discharge\.v2\.yaml \(yaml line/),
    );
    expect(found).toContain('agreements/empty.yaml (root)');
  });

  it('refuses a missing folder and an empty partners folder', () => {
    const dir = sampleCopy();
    rmSync(join(dir, 'partners'), { recursive: true });
    mkdirSync(join(dir, 'partners'));
    rmSync(join(dir, 'agreements'), { recursive: true });
    expect(locations(dir)).toEqual(['partners (root)', 'agreements (root)']);
  });
});

describe('loadRegistry: schema violations', () => {
  it('locates a missing property, a wrong type, an unknown property and a bad array item', () => {
    const dir = sampleCopy();
    edit(dir, NC_V2, (t) =>
      t
        .replace(/^purpose: .*\n/m, '')
        .replace('version: 2', 'version: two')
        .replace('status: active', 'status: active\nstatsu: active')
        .replace('postcodeDistricts: [NE1,', 'postcodeDistricts: [ne1,'),
    );
    expect(locations(dir).sort()).toEqual(
      [
        `${NC_V2} purpose`,
        `${NC_V2} version`,
        `${NC_V2} statsu`,
        `${NC_V2} scope.catchment.postcodeDistricts[0]`,
      ].sort(),
    );
  });

  it('checks partner keys, delivery and secret references', () => {
    const dir = sampleCopy();
    edit(dir, 'partners/north-coast-trust.yaml', (t) => `${t}  jwksUri: https://keys.example/jwks.json\n`);
    edit(dir, 'partners/riverside-trust.yaml', (t) => `${t}        d: "c2VjcmV0"\n`);
    edit(dir, 'partners/homegroup-discharge.yaml', (t) =>
      t.replace('env:HOMESTEAD_WEBHOOK_SECRET', 'hunter2'),
    );
    edit(dir, 'partners/wearmouth-council.yaml', (t) => t.replace('mode: pull', 'mode: poll'));
    expect(locations(dir)).toEqual([
      'partners/homegroup-discharge.yaml delivery.secretRef',
      'partners/north-coast-trust.yaml keys',
      'partners/riverside-trust.yaml keys.jwks.keys[0].d',
      'partners/wearmouth-council.yaml delivery.mode',
    ]);
  });
});

describe('loadRegistry: cross-file rules', () => {
  it('refuses an agreement with an unknown partner or a party lacking its role', () => {
    const dir = sampleCopy();
    edit(dir, NC_TB, (t) => t.replace('recipient: tynebridge-council', 'recipient: nobody-council'));
    edit(dir, NC_V2, (t) => t.replace('discloser: north-coast-trust', 'discloser: ig-audit-north'));
    expect(locations(dir)).toEqual([`${NC_V2} discloser`, `${NC_TB} recipient`]);
  });

  it('does not repeat a broken partner file as an unknown partner in agreements', () => {
    const dir = sampleCopy();
    edit(dir, 'partners/tynebridge-council.yaml', (t) =>
      t.replace('kind: local-housing-authority', 'kind: council'),
    );
    expect(locations(dir)).toEqual(['partners/tynebridge-council.yaml kind']);
  });

  it('checks partner ids, ODS codes, file names and delivery against roles', () => {
    const dir = sampleCopy();
    cpSync(join(dir, 'partners/riverside-trust.yaml'), join(dir, 'partners/zz-duplicate.yaml'));
    edit(dir, 'partners/wearmouth-council.yaml', (t) => t.replace(/^delivery:\n( {2}.*\n)+/m, ''));
    edit(dir, 'partners/ig-audit-north.yaml', (t) => `${t}delivery: { mode: pull, format: fhir }\n`);
    expect(locations(dir)).toEqual([
      'partners/ig-audit-north.yaml delivery',
      'partners/wearmouth-council.yaml delivery',
      'partners/zz-duplicate.yaml id',
      'partners/zz-duplicate.yaml id',
      'partners/zz-duplicate.yaml odsCode',
    ]);
  });

  it('refuses overlapping versions of one agreement, naming the other version', () => {
    const dir = sampleCopy();
    edit(dir, NC_V1, (t) => t.replace('to: "2026-03-31"', 'to: "2026-04-30"'));
    const problems = problemsOf(dir);
    expect(problems.map((p) => `${relative(dir, p.file)} ${p.path}`)).toEqual([`${NC_V2} effective`]);
    expect(problems[0]?.message).toContain(NC_V1);
  });

  it('ignores drafts when checking overlaps', () => {
    const dir = sampleCopy();
    edit(dir, NC_V1, (t) => t.replace('to: "2026-03-31"', 'to: "2026-04-30"').replace('terminated', 'draft'));
    expect(loadRegistry(dir).versions('dsa-north-coast-homestead-discharge')).toHaveLength(2);
  });

  it('refuses a duplicate (id, version) and a period that ends before it starts', () => {
    const dir = sampleCopy();
    cpSync(join(dir, NC_V1), join(dir, 'agreements/copy-of-v1.yaml'));
    edit(dir, NC_TB, (t) => t.replace('to: "2028-03-31"', 'to: "2025-12-31"'));
    const found = locations(dir);
    expect(found).toContain(`${NC_V1} version`);
    expect(found).toContain(`${NC_TB} effective.to`);
  });

  it('refuses a field outside the dataset of the referral type', () => {
    const dir = sampleCopy();
    edit(dir, NC_TB, (t) =>
      t.replace('  - preferredContactMethod\n', '  - preferredContactMethod\n  - nhsNumber\n'),
    );
    expect(locations(dir)).toEqual([`${NC_TB} fields[3]`]);
  });

  it('refuses Duty to Refer without explicit consent, or to a body that is not a housing authority', () => {
    const dir = sampleCopy();
    edit(dir, NC_TB, (t) =>
      t.replace(
        'requirement: explicit',
        'requirement: alternative-basis\n  basis: public-task\n  overridesObjection: false',
      ),
    );
    edit(dir, 'agreements/dsa-riverside-tynebridge-dtr.v1.yaml', (t) =>
      t.replace('recipient: tynebridge-council', 'recipient: homegroup-discharge'),
    );
    expect(locations(dir)).toEqual([
      `${NC_TB} consent.requirement`,
      'agreements/dsa-riverside-tynebridge-dtr.v1.yaml recipient',
    ]);
  });

  it('reports the problems of several broken files at once', () => {
    const dir = sampleCopy();
    edit(dir, 'partners/north-coast-trust.yaml', (t) => t.replace('odsCode: R9N1C', 'odsCode: r9n1c'));
    edit(dir, NC_V2, (t) =>
      t.replace('sla:\n  routine: { workingDays: 3 }', 'sla:\n  routine: { workingDays: 0 }'),
    );
    edit(dir, NC_TB, (t) => t.replace('title: ', 'title: [broken'));
    expect(locations(dir)).toEqual([
      'partners/north-coast-trust.yaml odsCode',
      `${NC_V2} sla.routine.workingDays`,
      expect.stringMatching(/^agreements\/dsa-north-coast-tynebridge-dtr\.v1\.yaml \(yaml line/),
    ]);
  });
});
