import type { Bundle } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { sequentialIds } from '../../src/ids.js';
import { compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { processEvent } from '../../src/pipeline/process-event.js';
import { openStore } from '../../src/store/index.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { insertEvent } from '../helpers/events.js';
import { registryWith } from '../helpers/registry.js';
import { sampleEvent } from '../mapping/sample-event.js';

describe('recipients that ask for FHIR', () => {
  it('get a valid R4 message Bundle as application/fhir+json, with the dataset fields only', async () => {
    const base = loadRegistry('consent');
    const homestead = base.partner('homegroup-discharge') as Partner;
    if (homestead.delivery?.mode !== 'webhook') throw new Error('sample changed');
    const registry = registryWith(base, [
      { ...homestead, delivery: { ...homestead.delivery, format: 'fhir' } },
    ]);
    const store = await openStore('sqlite::memory:');
    const at = new Date('2026-11-23T10:00:00Z');
    const deps = {
      registry,
      audit: createAuditLog({ clock: fixedClock(at), subjectKey: 'k'.repeat(40) }),
      ids: sequentialIds('f'),
      datasets: compileDatasetSchemas('profiles'),
      gatewayEndpoint: 'https://homeward.example/fhir/$process-message',
    };
    await store.transaction(async (tx) => {
      await insertEvent(tx, sampleEvent(), 'e1', at);
      await processEvent(deps, tx, { eventId: 'e1', event: sampleEvent(), at });
    });
    const delivery = await store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(delivery.content_type).toBe('application/fhir+json');
    const bundle = JSON.parse(delivery.payload ?? '{}') as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'message' });
    expect(r4Errors(bundle)).toEqual([]);
    const referral = await store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(bundle)).toContain(referral.id);
  });
});
