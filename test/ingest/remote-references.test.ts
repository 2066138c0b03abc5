/**
 * References fetched from the sender's FHIR server (issue 4 item 4), with a stub server: what
 * each answer means for the message. The HTTP side (fhir-kit-client, nock) is in
 * test/fhir/trust-fhir.test.ts and test/integration/intake-remote.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { OutcomeError } from '../../src/fhir/outcome.js';
import type { RemoteRead, TrustFhir } from '../../src/fhir/trust-fhir.js';
import { checkMessage } from '../../src/ingest/check-message.js';
import { MAX_REMOTE_REFERENCES } from '../../src/ingest/references.js';
import { found, profiles } from './check-helpers.js';
import { type JsonObject, patch, request } from './fixtures.js';

const northCoast = loadRegistry('consent').partner('north-coast-trust') as Partner;
const PATIENT = {
  resourceType: 'Patient',
  id: 'p-77',
  ...(request('admission') as { entry: Array<{ resource: JsonObject }> }).entry[1]?.resource,
};

/** The admission fixture with its Patient left on the trust's server as Patient/p-77. */
function patientOnServer(): JsonObject {
  const b = request('admission');
  const entries = b.entry as JsonObject[];
  const patientUrl = entries[1]?.fullUrl;
  entries.splice(1, 1);
  const text = JSON.stringify(b).replaceAll(String(patientUrl), 'Patient/p-77');
  return JSON.parse(text) as JsonObject;
}

function stub(answer: (type: string, id: string) => RemoteRead): TrustFhir & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    read: async (_p, type, id) => {
      calls.push(`${type}/${id}`);
      return answer(type, id);
    },
    searchConsents: async () => ({ kind: 'found', resources: [] }),
  };
}

const run = (body: unknown, trustFhir: TrustFhir) =>
  checkMessage(body, { profiles, partner: northCoast, trustFhir });

describe('references fetched from the trust', () => {
  it('fetches each distinct reference once and checks the message with it', async () => {
    const server = stub(() => ({ kind: 'found', resource: PATIENT }));
    const r = await run(patientOnServer(), server);
    expect(r.kind).toBe('valid');
    expect(server.calls).toEqual(['Patient/p-77']);
    if (r.kind === 'valid') expect(r.message.fetched.get('Patient/p-77')?.resource).toEqual(PATIENT);
  });

  it('validates what it fetched, located through resolve()', async () => {
    const server = stub(() => ({ kind: 'found', resource: { ...PATIENT, birthDate: 'yesterday' } }));
    expect(found(await run(patientOnServer(), server))).toEqual([
      ['value', 'Bundle.entry[1].resource.subject.resolve().birthDate'],
    ]);
  });

  it('answers 422 not-found when the server has no such resource, or another type', async () => {
    expect(
      found(
        await run(
          patientOnServer(),
          stub(() => ({ kind: 'not-found', status: 404 })),
        ),
      ),
    ).toEqual([
      ['not-found', 'Bundle.entry[1].resource.subject.reference'],
      ['required', 'Bundle.entry'],
    ]);
    const wrong = stub(() => ({ kind: 'found', resource: { resourceType: 'Group', id: 'p-77' } }));
    expect(found(await run(patientOnServer(), wrong))[0]).toEqual([
      'not-found',
      expect.stringMatching(/\.reference$/),
    ]);
  });

  it('answers 504 when the server only timed out, 502 when it failed otherwise', async () => {
    const timeout = run(
      patientOnServer(),
      stub(() => ({ kind: 'failed', failure: 'timeout' })),
    );
    await expect(timeout).rejects.toMatchObject({ status: 504, outcome: { issue: [{ code: 'timeout' }] } });
    const b = patientOnServer();
    patch(b, 'entry.5.resource.practitioner.reference', 'Practitioner/pr-1');
    const mixed = stub((type) =>
      type === 'Patient'
        ? { kind: 'failed', failure: 'timeout' }
        : { kind: 'failed', failure: 'unreachable' },
    );
    const err = await run(b, mixed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeError);
    expect((err as OutcomeError).status).toBe(502);
    expect((err as OutcomeError).outcome.issue.map((i) => i.code)).toEqual(['timeout', 'transient']);
  });

  it('does not call the server while the message has problems of its own', async () => {
    const server = stub(() => ({ kind: 'found', resource: PATIENT }));
    const b = patch(patientOnServer(), 'entry.1.resource.status', 'walking');
    expect(found(await run(b, server))).toEqual([['code-invalid', 'Bundle.entry[1].resource.status']]);
    expect(server.calls).toEqual([]);
  });

  it(`refuses a message that would need more than ${MAX_REMOTE_REFERENCES} reads`, async () => {
    const b = patientOnServer();
    const extra = Array.from({ length: MAX_REMOTE_REFERENCES + 1 }, (_, i) => ({
      reference: `Practitioner/x${i}`,
    }));
    patch(
      b,
      'entry.1.resource.participant',
      extra.map((individual) => ({ individual })),
    );
    const server = stub(() => ({ kind: 'found', resource: PATIENT }));
    expect(found(await run(b, server))).toEqual([
      ['too-costly', expect.stringMatching(/participant\[19\]\.individual\.reference$/)],
    ]);
    expect(server.calls).toEqual([]);
  });
});
