/**
 * Issue 17 item 1, as a property: random interleavings of messages for several people whose
 * messages reuse each other's encounter identifiers (and replays of earlier messages, and the
 * provider reading its inbox in between). Afterwards every disclosure's audited subject is the
 * person whose data it carried, and every person's subject report lists exactly their own
 * disclosures. A message whose encounter identifier is another person's stay is refused with
 * the identifier's location, and a replay answers as the first time did.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subjectReport } from '../../src/audit/subject-report.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { readReferral } from '../../src/delivery/inbox.js';
import { OutcomeError } from '../../src/fhir/outcome.js';
import { processMessage } from '../../src/ingest/process-message.js';
import { withPartner } from '../delivery/harness.js';
import { SAMPLE_CONSENT_DIR, testDeps } from '../helpers/test-app.js';
import { request as fixture, patch } from '../ingest/fixtures.js';

/** Synthetic NHS numbers (999 range, Modulus 11). */
const PEOPLE = ['9990000018', '9990000026', '9990000034'];
const ENCOUNTERS = ['ENC-P-1', 'ENC-P-2'];
const SENDER = 'north-coast-trust';
const PROVIDER = 'homegroup-discharge';
const HOUSING_EVENTS = 'https://homeward.example/fhir/CodeSystem/homeward-housing-events';

/** The discharge service reads from its inbox, so each first read is a disclosure (with its audit entry). */
const base = loadRegistry(SAMPLE_CONSENT_DIR);
const registry = withPartner(base, {
  ...(base.partner(PROVIDER) as Partner),
  delivery: { mode: 'pull', format: 'dataset' },
});

type Msg = { entry: Array<{ resource: Record<string, unknown> & { resourceType: string } }> };

function message(n: number, person: string, encounter: string, later: boolean): Msg {
  const m = fixture('admission') as Msg;
  const resource = (type: string) =>
    m.entry.find((e) => e.resource.resourceType === type)?.resource as Record<string, unknown>;
  const header = resource('MessageHeader');
  header.id = `a0d11551-0000-4000-8000-${String(n).padStart(12, '0')}`;
  patch(m, 'entry.1.resource.identifier.0.value', person);
  const enc = resource('Encounter');
  patch(m, 'entry.2.resource.identifier.0.value', encounter);
  if (later) {
    // The same stay a week on: an expected-discharge update.
    header.eventCoding = { system: HOUSING_EVENTS, code: 'expected-discharge' };
    header.reason = {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
    };
    enc.extension = [
      {
        url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
        valueDateTime: '2026-11-30T12:00:00Z',
      },
    ];
  }
  return m;
}

type Step =
  | { kind: 'send'; person: number; encounter: number; later: boolean }
  | { kind: 'replay'; of: number }
  | { kind: 'read' };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      person: fc.nat(PEOPLE.length - 1),
      encounter: fc.nat(ENCOUNTERS.length - 1),
      later: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), of: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'read' as const }) },
);

type Answer = { status: number; text: string; expression?: string };

async function send(deps: Awaited<ReturnType<typeof testDeps>>, body: Msg, n: number): Promise<Answer> {
  try {
    const r = await processMessage(deps, { body, partnerId: SENDER, requestId: `req-${n}` });
    return { status: 200, text: r.response };
  } catch (err) {
    if (!(err instanceof OutcomeError)) throw err;
    return {
      status: err.status,
      text: JSON.stringify(err.outcome),
      expression: err.outcome.issue[0]?.expression?.[0],
    };
  }
}

async function readAll(deps: Awaited<ReturnType<typeof testDeps>>) {
  const referrals = await deps.store.db
    .selectFrom('referrals')
    .select('id')
    .where('recipient', '=', PROVIDER)
    .execute();
  for (const r of referrals)
    await readReferral(deps, { partnerId: PROVIDER, referralId: r.id, at: deps.clock.now() });
}

/** Across runs, so the property is known not to hold vacuously. */
const seen = { disclosures: 0, refusals: 0, updates: 0 };

async function run(steps: Step[]) {
  const deps = await testDeps({ registry });
  const sent: Array<{ body: Msg; answer: Answer; expected: number }> = [];
  const owner = new Map<string, string>();
  let n = 0;
  for (const step of steps) {
    if (step.kind === 'read') {
      await readAll(deps);
      continue;
    }
    if (step.kind === 'replay') {
      const earlier = sent[step.of % Math.max(sent.length, 1)];
      if (!earlier) continue;
      const again = await send(deps, earlier.body, ++n);
      // A replay answers as the first time: the stored response, or the same refusal.
      expect(again.status).toBe(earlier.answer.status);
      if (again.status === 200) expect(again.text).toBe(earlier.answer.text);
      continue;
    }
    const person = PEOPLE[step.person] as string;
    const encounter = ENCOUNTERS[step.encounter] as string;
    const body = message(++n, person, encounter, step.later);
    const answer = await send(deps, body, n);
    const claimed = owner.get(encounter);
    const theirs = claimed === undefined || claimed === person;
    if (theirs && answer.status === 200) owner.set(encounter, person);
    sent.push({ body, answer, expected: theirs ? 200 : 422 });
  }
  await readAll(deps);

  // What each disclosure carried, from the exact bytes the provider read.
  const disclosed = await deps.store.db
    .selectFrom('audit')
    .selectAll()
    .where('action', '=', 'disclosed')
    .execute();
  const carried = new Map<number, string>();
  for (const e of disclosed) {
    const { deliveryId } = JSON.parse(e.detail ?? '{}') as { deliveryId: string };
    const d = await deps.store.db
      .selectFrom('deliveries')
      .select('payload')
      .where('id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    const nhs = (JSON.parse(d.payload ?? '{}') as { data: { dataset: { nhsNumber: string } } }).data.dataset
      .nhsNumber;
    carried.set(Number(e.seq), nhs);
    expect(e.subject_hmac, `disclosure ${e.seq}`).toBe(deps.audit.subjectHash(nhs));
  }
  for (const person of PEOPLE) {
    const report = await subjectReport(
      deps.store.db,
      deps.registry,
      { subjectHmac: deps.audit.subjectHash(person) },
      { kind: 'all' },
      deps.clock.now(),
    );
    const own = [...carried].filter(([, nhs]) => nhs === person).map(([seq]) => seq);
    expect(report.items.map((i) => i.seq).sort((a, b) => a - b)).toEqual(own.sort((a, b) => a - b));
  }
  // Only a message on another person's stay is refused, naming the identifier's location.
  for (const s of sent) {
    expect(s.answer.status, s.answer.text).toBe(s.expected);
    if (s.expected === 422) expect(s.answer.expression).toBe('Bundle.entry[2].resource.identifier[0]');
  }
  // Refused messages left nothing behind: one event per accepted message.
  const accepted = sent.filter((s) => s.answer.status === 200).length;
  seen.disclosures += disclosed.length;
  seen.refusals += sent.filter((s) => s.answer.status === 422).length;
  seen.updates += Number(
    (await deps.store.db.selectFrom('deliveries').select('id').where('kind', '=', 'update').execute()).length,
  );
  expect(await deps.store.db.selectFrom('events').selectAll().execute()).toHaveLength(accepted);
  await deps.store.close();
}

describe('episodes: one person per stay (property)', () => {
  it('every disclosure is audited under the person whose data it carried, and each subject report lists exactly theirs', async () => {
    await fc.assert(fc.asyncProperty(fc.array(arbStep, { minLength: 2, maxLength: 12 }), run), {
      numRuns: 40,
      seed: 20261207,
    });
  });
});
