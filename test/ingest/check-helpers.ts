/** Shared by the check-message tests: the real profiles and registry, no remote server. */
import { expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import type { TrustFhir } from '../../src/fhir/trust-fhir.js';
import { type CheckResult, checkMessage } from '../../src/ingest/check-message.js';
import { loadIntakeProfiles } from '../../src/ingest/profiles.js';
import { type JsonObject, request, senderOf } from './fixtures.js';

const registry = loadRegistry('consent');
export const profiles = loadIntakeProfiles('profiles');
const noRemote: TrustFhir = {
  read: () => Promise.reject(new Error('no remote read expected in this test')),
  searchConsents: () => Promise.reject(new Error('no consent search expected in this test')),
};

export async function check(body: unknown, partnerId = 'north-coast-trust'): Promise<CheckResult> {
  return checkMessage(body, {
    profiles,
    partner: registry.partner(partnerId) as Partner,
    trustFhir: noRemote,
  });
}

/** [code, expression] of each issue: what the tests assert (conventions 5), never the wording. */
export const found = (r: CheckResult) =>
  r.kind === 'invalid' ? r.issues.map((i) => [i.code, i.expression]) : [];

/** [name, fixture, break it, expected issues]. Fixture entries, e.g. admission: 0 MessageHeader,
 * 1 Patient, 2 Encounter, 3 Organization (trust), 4 Location (ward), 5 Practitioner,
 * 6 PractitionerRole, 7 Consent, 8 Condition. */
export type Case = [string, string, (b: JsonObject) => unknown, Array<[string, string]>];
export const P = 'Bundle.entry[1].resource';
export const E = 'Bundle.entry[2].resource';

/** Break a valid fixture one way and expect exactly these issues (sent by the fixture's own trust). */
export function breaking(table: Case[]): void {
  it.each(table)('%s (%s)', async (_name, fixture, mutate, expected) => {
    const body = request(fixture);
    const sender = senderOf(body);
    mutate(body);
    expect(found(await check(body, sender))).toEqual(expected);
  });
}
