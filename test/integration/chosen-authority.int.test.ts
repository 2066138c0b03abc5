/**
 * Issue 17 item 10: a Duty to Refer goes to the chosen authority only. The person chose
 * Wearmouth while living in Tynebridge's districts; the trust names the choice the way R4 and
 * BaRS allow, through the receiving service (HealthcareService.providedBy) or a role in it
 * (PractitionerRole.organization). Tynebridge is then no candidate: the trust sees one Task,
 * and no decision, withheld entry or referral exists for Tynebridge. When the chosen authority
 * itself is refused, that refusal is still a rejected Task with its withheld audit entry.
 */
import { describe, expect, it } from 'vitest';
import { request as fixture, patch } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, post } from './intake-helpers.js';

type Entry = { fullUrl?: string; resource: Record<string, unknown> & { resourceType: string } };
type Msg = { entry: Entry[] };
const CHOSEN_ORG = 'urn:uuid:e0f2e001-0000-4000-8000-000000000011';
const SERVICE = 'urn:uuid:e0f2e001-0000-4000-8000-0000000000a1';

/**
 * The referral request fixture sent by North Coast (which has Duty to Refer agreements with both
 * councils), for a person in NE4 (Tynebridge's district) who chose Wearmouth (LWM02), named by
 * `performer` through `via`; the person's consent names `consentTo`.
 */
function referralRequest(via: 'HealthcareService' | 'PractitionerRole', consentTo = 'LWM02'): Msg {
  const m = fixture('referral-request') as Msg;
  patch(m, 'entry.3.resource.identifier.0.value', 'R9N1C');
  patch(m, 'entry.10.resource.identifier.0.value', 'LWM02');
  patch(m, 'entry.10.resource.name', 'Wearmouth Borough Council housing solutions (synthetic)');
  patch(m, 'entry.7.resource.provision.actor.0.reference.identifier.value', consentTo);
  const service =
    via === 'HealthcareService'
      ? {
          resourceType: 'HealthcareService',
          identifier: [{ system: 'https://fhir.nhs.uk/Id/dos-service-id', value: '2000123456' }],
          providedBy: { reference: CHOSEN_ORG },
          name: 'Housing solutions: Duty to Refer (synthetic)',
        }
      : {
          resourceType: 'PractitionerRole',
          organization: { reference: CHOSEN_ORG },
          code: [{ text: 'Housing options officer' }],
        };
  m.entry.push({ fullUrl: SERVICE, resource: service });
  patch(m, 'entry.9.resource.performer', [{ reference: SERVICE }]);
  return m;
}

const tasksOf = (text: string) =>
  (JSON.parse(text).entry as Entry[])
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Task') as unknown as Array<{
    status: string;
    owner: { identifier: { value: string } };
    statusReason?: { coding: Array<{ code: string }> };
  }>;

describe.each([
  'HealthcareService',
  'PractitionerRole',
] as const)('the chosen authority named through a %s', (via) => {
  it('is the only candidate: one Task, no decision, withheld entry or referral for any other council', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, referralRequest(via), { partner: 'north-coast-trust' });
    expect(res.status).toBe(200);
    expect(tasksOf(res.text).map((t) => [t.owner.identifier.value, t.status])).toEqual([
      ['LWM02', 'requested'],
    ]);
    expect(await deps.store.db.selectFrom('decisions').select(['recipient', 'outcome']).execute()).toEqual([
      { recipient: 'wearmouth-council', outcome: 'permit' },
    ]);
    expect(await auditEntries(deps, 'withheld')).toEqual([]);
    expect(await deps.store.db.selectFrom('referrals').select('recipient').execute()).toEqual([
      { recipient: 'wearmouth-council' },
    ]);
    const dataset = JSON.parse(
      (await deps.store.db.selectFrom('referrals').select('dataset').executeTakeFirstOrThrow()).dataset ??
        '{}',
    );
    expect(dataset.chosenAuthority).toMatchObject({ odsCode: 'LWM02', chosenByPerson: true });
  });

  it('when the chosen authority itself is refused: its rejected Task and withheld entry, still nothing for the others', async () => {
    const { app, deps } = await intakeApp();
    // The person's consent names Tynebridge, not the authority they chose.
    const res = await post(app, deps, referralRequest(via, 'LTB01'), { partner: 'north-coast-trust' });
    expect(res.status).toBe(200);
    const tasks = tasksOf(res.text);
    expect(tasks.map((t) => [t.owner.identifier.value, t.status])).toEqual([['LWM02', 'rejected']]);
    expect(tasks[0]?.statusReason?.coding.map((c) => c.code)).toEqual(['consent-not-covering']);
    const withheld = await auditEntries(deps, 'withheld');
    expect(withheld.map((e) => e.recipient)).toEqual(['wearmouth-council']);
    expect(await deps.store.db.selectFrom('referrals').selectAll().execute()).toEqual([]);
  });
});
