/**
 * Golden datasets (issue 7 acceptance): for each synthetic fixture message and each sample
 * agreement its sender is party to, the decision and the exact dataset produced, kept in
 * test/fixtures/datasets/<fixture>.json and reviewed by a person when they change. Any field
 * outside the agreement's list fails the test whatever the snapshot says.
 */
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { decide } from '../../src/consent/decide.js';
import { parseEvent } from '../../src/ingest/parse-event.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import { assertDataset, compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { decisionEvent } from '../../src/pipeline/process-event.js';
import { check, profiles } from '../ingest/check-helpers.js';
import { request, scenarios, senderOf } from '../ingest/fixtures.js';

const registry = loadRegistry('consent');
const datasets = compileDatasetSchemas('profiles');
const NOW = new Date('2026-11-23T10:00:00Z');
const valid = scenarios().filter((s) => !s.startsWith('invalid-'));

describe.each(valid)('golden datasets for %s', (name) => {
  it('matches the reviewed snapshot, within each agreement, valid against its schema', async () => {
    const body = request(name);
    const sender = registry.partner(senderOf(body)) as Partner;
    const checked = await check(body, sender.id);
    if (checked.kind !== 'valid') throw new Error(`${name} no longer passes intake`);
    const event = parseEvent(checked.message, { partner: sender, profiles, receivedAt: NOW.toISOString() });
    const ids = [
      ...new Set(registry.agreements.filter((a) => a.discloser === sender.id).map((a) => a.id)),
    ].sort();
    const out: Record<string, unknown> = {};
    for (const id of ids) {
      const agreement = registry.versions(id).at(-1);
      const recipient = registry.partner(agreement?.recipient ?? '') as Partner;
      const decision = decide({
        event: decisionEvent(event),
        patient: event.patient,
        recipient,
        agreements: registry.agreements.filter((a) => a.id === id),
        consents: event.consents,
        now: NOW,
      });
      if (decision.outcome === 'withhold') {
        out[id] = { outcome: 'withhold', reasons: decision.reasons.map((r) => r.code) };
        continue;
      }
      const { dataset } = buildDataset({ event, sender, recipient, decision });
      const allowed =
        registry.versions(id).find((a) => a.version === decision.agreement.version)?.fields ?? [];
      expect(
        Object.keys(dataset).filter((k) => !allowed.includes(k)),
        `${name} x ${id}`,
      ).toEqual([]);
      assertDataset(datasets, decision.referralType, dataset);
      out[id] = {
        outcome: 'permit',
        version: decision.agreement.version,
        reasons: decision.reasons.map((r) => r.code),
        dataset,
      };
    }
    await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(
      `../fixtures/datasets/${name}.json`,
    );
  });
});
