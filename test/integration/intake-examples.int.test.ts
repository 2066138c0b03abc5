/**
 * Robustness (issue 4 acceptance): every JSON example of the official FHIR R4 package
 * (hl7.fhir.r4.examples, ~5300 files), posted on its own or wrapped in a message Bundle, is
 * answered 2xx or 4xx with an OperationOutcome, never 5xx. All files go through the stage
 * function in-process (about 15 s); a deterministic sample of them also goes through the HTTP app.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { OutcomeError } from '../../src/fhir/outcome.js';
import { processMessage } from '../../src/ingest/process-message.js';
import { bearer } from '../helpers/tokens.js';
import { intakeApp, PROCESS_MESSAGE } from './intake-helpers.js';

const DIR = 'node_modules/hl7.fhir.r4.examples';
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
/** Every HTTP_EVERY-th file goes through HTTP too (both forms): several hundred requests. */
const HTTP_EVERY = 6;

/** A message from riverside-trust (no FHIR server of its own: nothing is fetched) about `example`. */
function wrapped(example: unknown, n: number): unknown {
  const focus = `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000000',
        resource: {
          resourceType: 'MessageHeader',
          id: `example-${n}`,
          eventCoding: {
            system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
            code: 'admission',
          },
          source: { endpoint: 'https://tie.riverside-trust.example/fhir' },
          sender: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'R9R2V' } },
          focus: [{ reference: focus }],
        },
      },
      { fullUrl: focus, resource: example },
    ],
  };
}

let app: Express;
let deps: Deps;
let token: string;
beforeAll(async () => {
  // Thousands of requests from one partner: lift the per-partner rate limit, or most would be 429s.
  ({ app, deps } = await intakeApp({}, { RATE_LIMIT_PER_MINUTE: '1000000' }));
  token = await bearer(deps, 'riverside-trust');
});

describe(`the ${FILES.length} examples of hl7.fhir.r4.examples`, () => {
  it('has the package installed', () => {
    expect(FILES.length).toBeGreaterThan(5000);
  });

  it(
    'never makes the stage function fail with anything but a 4xx outcome',
    { timeout: 120_000 },
    async () => {
      const unexpected: string[] = [];
      const statuses = new Map<number, number>();
      for (const [n, file] of FILES.entries()) {
        const example: unknown = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8'));
        for (const body of [example, wrapped(example, n + 1)]) {
          try {
            await processMessage(deps, { body, partnerId: 'riverside-trust' });
            statuses.set(200, (statuses.get(200) ?? 0) + 1);
          } catch (err) {
            if (err instanceof OutcomeError && err.status < 500 && err.outcome.issue.length > 0) {
              statuses.set(err.status, (statuses.get(err.status) ?? 0) + 1);
            } else unexpected.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      expect(unexpected).toEqual([]);
      expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(FILES.length * 2);
    },
  );

  it(
    'answers a sample over HTTP with 2xx, or 4xx and an OperationOutcome',
    { timeout: 120_000 },
    async () => {
      const bad: string[] = [];
      const statuses = new Map<number, number>();
      let sent = 0;
      for (const [n, file] of FILES.entries()) {
        if (n % HTTP_EVERY !== 0) continue;
        const raw = readFileSync(`${DIR}/${file}`, 'utf8');
        for (const body of [raw, JSON.stringify(wrapped(JSON.parse(raw), n + 1))]) {
          const res = await request(app)
            .post(PROCESS_MESSAGE)
            .set('authorization', token)
            .set('content-type', 'application/fhir+json')
            .send(body);
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const outcomeOk =
            res.status < 300 || (res.status < 500 && res.body?.resourceType === 'OperationOutcome');
          if (!outcomeOk) bad.push(`${file}: ${res.status}`);
        }
      }
      expect(bad).toEqual([]);
      expect(sent).toBeGreaterThan(1700);
      // Answered by the intake itself (422), or 413 for the package's multi-megabyte bundles.
      expect([...statuses.keys()].sort()).toEqual([413, 422]);
    },
  );
});
