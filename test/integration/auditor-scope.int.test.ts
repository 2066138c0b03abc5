/**
 * Auditors see only what they audit (issue 17 item 8): `POST /consent/$evaluate` only for a pair
 * of which the auditor audits the sender or the recipient; `/audit/verify` counts and
 * `/audit/checkpoint` cover only the entries its `auditOf` shows, unless its partner file says
 * `audit: { gatewayWideFigures: true }`.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { verifyAgainstCheckpoint } from '../../src/audit/checkpoint.js';
import { loadRegistry } from '../../src/config/registry.js';
import { type Partner, RegistryError, type RegistryProblem } from '../../src/config/registry-types.js';
import type { Deps } from '../../src/deps.js';
import { disclosure, dropAppendOnlyTriggers } from '../audit/helpers.js';
import { registryWith, testPartner } from '../helpers/registry.js';
import { tempDir } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

/** An auditor of `auditOf`, optionally with gateway-wide figures. */
function auditor(id: string, auditOf: string[], audit?: Partner['audit']): Partner {
  return {
    ...testPartner(id, { jwks: { keys: [] } }, ['audit.read']),
    kind: 'ig-auditor',
    roles: ['auditor'],
    auditOf,
    ...(audit ? { audit } : {}),
  };
}

/** Audits the council only: north-coast-trust's discharge-service traffic is none of its business. */
const COUNCIL_AUDITOR = 'ig-audit-tynebridge';
/** Audits one trust, but its file opts in to gateway-wide figures. */
const GATEWAY_AUDITOR = 'ig-audit-gateway';

let deps: Deps;
let app: ReturnType<typeof createApp>;
beforeEach(async () => {
  const ctx = await intakeApp();
  const registry = registryWith(ctx.deps.registry, [
    auditor(COUNCIL_AUDITOR, ['tynebridge-council']),
    auditor(GATEWAY_AUDITOR, ['north-coast-trust'], { gatewayWideFigures: true }),
  ]);
  deps = { ...ctx.deps, registry };
  app = createApp(deps);
  // One disclosure to the council (what COUNCIL_AUDITOR audits), then traffic between
  // north-coast-trust and homegroup-discharge (disclosures, queueing) that it does not audit.
  await deps.store.transaction((tx) =>
    deps.audit.append(tx, disclosure(1, { recipient: 'tynebridge-council' })),
  );
  expect((await post(app, deps, fixture('admission'))).status).toBe(200);
});

const get = async (path: string, partner: string) =>
  request(app)
    .get(path)
    .set('authorization', await bearer(deps, partner));

const evaluate = async (partner: string, sender: string, recipient: string) =>
  request(app)
    .post('/consent/$evaluate')
    .set('authorization', await bearer(deps, partner))
    .set('content-type', 'application/fhir+json')
    .send(
      JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'message', resource: fixture('admission') },
          { name: 'sender', valueString: sender },
          { name: 'recipient', valueString: recipient },
        ],
      }),
    );

/** The entries an auditor of `partners` may see, by the audit's own rule, read straight from the table. */
async function visibleRows(partners: string[]) {
  const rows = await deps.store.db
    .selectFrom('audit')
    .select(['seq', 'hash', 'actor', 'recipient'])
    .execute();
  return rows
    .filter(
      (r) =>
        partners.includes(String(r.actor)) ||
        (r.recipient !== null && partners.includes(r.recipient)) ||
        (r.actor === 'gateway' && r.recipient === null),
    )
    .sort((a, b) => Number(a.seq) - Number(b.seq));
}

async function totalRows(): Promise<number> {
  return (await deps.store.db.selectFrom('audit').select('seq').execute()).length;
}

describe('POST /consent/$evaluate is limited by auditOf', () => {
  it('refuses 403 a pair of which the auditor audits neither party, evaluating nothing', async () => {
    const res = await evaluate(COUNCIL_AUDITOR, 'north-coast-trust', 'homegroup-discharge');
    expect(res.status).toBe(403);
    const body = JSON.parse(res.text);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]).toMatchObject({ code: 'forbidden', expression: ['Parameters.parameter'] });
    expect(res.text).not.toContain('dsa-');
  });

  it('answers a pair with an audited recipient, or an audited sender', async () => {
    const council = await evaluate(COUNCIL_AUDITOR, 'north-coast-trust', 'tynebridge-council');
    expect(council.status).toBe(200);
    expect(JSON.parse(council.text).resourceType).toBe('Parameters');
    const trust = await evaluate(GATEWAY_AUDITOR, 'north-coast-trust', 'homegroup-discharge');
    expect(trust.status).toBe(200);
  });

  it('gateway-wide figures do not widen the dry run: still only audited pairs', async () => {
    const res = await evaluate(GATEWAY_AUDITOR, 'riverside-trust', 'homegroup-discharge');
    expect(res.status).toBe(403);
  });
});

describe('GET /audit/verify counts only the audited partners', () => {
  it("an auditor's counts and head cover only the entries its auditOf shows", async () => {
    const res = await get('/audit/verify', COUNCIL_AUDITOR);
    expect(res.status).toBe(200);
    const visible = await visibleRows(['tynebridge-council']);
    const newest = visible[visible.length - 1];
    expect(res.body).toEqual({
      ok: true,
      figures: 'audited-partners',
      entries: visible.length,
      head: newest ? { seq: Number(newest.seq), hash: newest.hash } : null,
    });
    // The north-coast-trust -> homegroup-discharge traffic is in the chain, but not in its figures.
    expect(res.body.entries).toBeLessThan(await totalRows());
  });

  it('still reports a broken chain to a limited auditor', async () => {
    const victim = (await deps.store.db.selectFrom('audit').select('seq').orderBy('seq').execute())[1];
    await dropAppendOnlyTriggers(deps.store);
    await deps.store.db
      .updateTable('audit')
      .set({ hash: '0'.repeat(64) })
      .where('seq', '=', Number(victim?.seq))
      .execute();
    const res = await get('/audit/verify', COUNCIL_AUDITOR);
    expect(res.body).toMatchObject({
      ok: false,
      figures: 'audited-partners',
      firstBrokenSeq: Number(victim?.seq),
    });
  });

  it('an auditor whose file opts in to gateway-wide figures gets the whole chain', async () => {
    const res = await get('/audit/verify', GATEWAY_AUDITOR);
    expect(res.status).toBe(200);
    const all = await deps.store.db
      .selectFrom('audit')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .execute();
    expect(res.body).toEqual({
      ok: true,
      figures: 'gateway-wide',
      entries: all.length,
      head: { seq: Number(all[0]?.seq), hash: all[0]?.hash },
    });
  });
});

describe('GET /audit/checkpoint is limited the same way', () => {
  it("a limited auditor's checkpoint pins the chain at its own newest entry, and verifies", async () => {
    const res = await get('/audit/checkpoint', COUNCIL_AUDITOR);
    expect(res.status).toBe(200);
    const visible = await visibleRows(['tynebridge-council']);
    const newest = visible[visible.length - 1];
    expect(newest).toBeDefined();
    const payload = decodeJwt(res.body.jws);
    expect(payload).toMatchObject({
      seq: Number(newest?.seq),
      hash: newest?.hash,
      entries: Number(newest?.seq),
    });
    expect(res.body.seq).toBeLessThan(await totalRows());
    expect((await verifyAgainstCheckpoint(deps.store.db, res.body.jws, deps.keys)).ok).toBe(true);
  });

  it('an auditor with gateway-wide figures checkpoints the chain head', async () => {
    const res = await get('/audit/checkpoint', GATEWAY_AUDITOR);
    expect(res.status).toBe(200);
    expect(res.body.seq).toBe(await totalRows());
    expect(res.body.entries).toBe(await totalRows());
  });
});

describe('partner files: audit.gatewayWideFigures', () => {
  function problemsWith(partner: string, edit: (yaml: string) => string): RegistryProblem[] {
    const dir = tempDir('homeward-audit-figures-');
    cpSync('consent', dir, { recursive: true });
    const file = join(dir, 'partners', `${partner}.yaml`);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    try {
      loadRegistry(dir);
      return [];
    } catch (e) {
      if (e instanceof RegistryError) return e.problems;
      throw e;
    }
  }
  const setTo = (value: string) => (y: string) => y.replace(/^audit: .*$/m, `audit: ${value}`);

  it('the sample auditor says explicitly that its figures are not gateway-wide', () => {
    expect(loadRegistry('consent').partner('ig-audit-north')?.audit).toEqual({ gatewayWideFigures: false });
  });

  it('accepts true, and refuses anything but a boolean or an unknown key', () => {
    expect(problemsWith('ig-audit-north', setTo('{ gatewayWideFigures: true }'))).toEqual([]);
    expect(problemsWith('ig-audit-north', setTo('{ gatewayWideFigures: "yes" }'))).toEqual([
      expect.objectContaining({ path: 'audit.gatewayWideFigures' }),
    ]);
    expect(problemsWith('ig-audit-north', setTo('{ gatewayWide: true }')).length).toBeGreaterThan(0);
  });

  it('is for auditors only', () => {
    const problems = problemsWith('wearmouth-council', (y) => `${y}\naudit: { gatewayWideFigures: true }\n`);
    expect(problems).toEqual([
      expect.objectContaining({ path: 'audit', message: 'audit needs the role auditor' }),
    ]);
  });
});
