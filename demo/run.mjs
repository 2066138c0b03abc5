#!/usr/bin/env node
// `npm run demo`: one hospital stay and its neighbours, told step by step. A simulated trust
// sends FHIR messages to a real gateway (in this process, in a temporary folder), simulated
// housing providers answer through the API, and the IG lead checks the audit at the end.
// Everything is synthetic and stays on this machine. test/integration/demo.int.test.ts runs it.
import { newSecret, startDemoGateway } from './gateway.mjs';
import * as story from './messages.mjs';
import { partner, webhookReceiver } from './partners.mjs';

const started = Date.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
const indent = (line) => say(`   ${line}`);
const fields = (dataset) => Object.keys(dataset ?? {}).join(', ') || '(none)';

const tasksOf = (response) =>
  (response.entry ?? []).map((e) => e.resource).filter((r) => r.resourceType === 'Task');

/** What the gateway decided, as the trust reads it in the response's Tasks. */
function decided(tasks) {
  if (tasks.length === 0) indent('Gateway: no housing partner is concerned by this message.');
  for (const t of tasks) {
    const who = t.owner?.display ?? t.owner?.identifier?.value;
    const codes = (t.statusReason?.coding ?? []).map((c) => c.code).join(', ');
    const verdict = t.status === 'rejected' ? 'WITHHELD from' : `${t.status.toUpperCase()} for`;
    if (codes) indent(`Gateway: ${verdict} ${who}: ${codes} (${t.statusReason?.text}).`);
    else if (t.status === 'requested') indent(`Gateway: PERMIT for ${who}: referral ${t.id} queued.`);
    else indent(`Gateway: PERMIT for ${who}: referral ${t.id} updated (the provider has it: ${t.status}).`);
  }
}

async function main() {
  // Homestead's whsec_ secret: the gateway reads it from HOMESTEAD_WEBHOOK_SECRET (its partner
  // file's secretRef), the receiver verifies with it.
  const secret = newSecret();
  const receiver = await webhookReceiver(secret);
  const gateway = await startDemoGateway(receiver.url, secret);
  try {
    await tell(gateway, receiver);
  } finally {
    await gateway.stop();
    await receiver.close();
  }
}

async function tell(gateway, receiver) {
  say('Homeward demo: everything below is synthetic and stays on this machine.');
  say(`Gateway ${gateway.url} (SQLite in ${gateway.dir}), partners from consent/.`);
  for (const note of gateway.notes) say(note);
  const trust = await partner(
    gateway.url,
    'north-coast-trust',
    'system/Bundle.c system/Task.rs system/Communication.crs',
  );
  const homestead = await partner(gateway.url, 'homegroup-discharge', 'referrals.read referrals.write');
  const wearmouth = await partner(gateway.url, 'wearmouth-council', 'referrals.read referrals.write');
  const ig = await partner(gateway.url, 'ig-audit-north', 'audit.read');
  say('Each partner got an access token with a signed JWT client assertion (SMART Backend Services).');

  let step = 0;
  const send = async (title, bundle) => {
    say();
    say(`${++step}. North Coast NHS FT sends ${title}`);
    const tasks = tasksOf(await trust.post('/fhir/$process-message', bundle, 'application/fhir+json'));
    decided(tasks);
    return tasks;
  };
  const taskSeen = async (id, want) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const task = await trust.get(`/fhir/Task/${id}`);
      if (!want || task.status === want || Date.now() > deadline) {
        const output = (task.output ?? [])
          .map((o) => o.valueCodeableConcept?.coding?.[0]?.code)
          .filter(Boolean);
        indent(
          `North Coast reads Task ${id}: ${task.status}${output.length ? ` (outcome ${output.join(', ')})` : ''}.`,
        );
        return task;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const basis = async (referralId) => {
    const { entries } = await ig.get(`/audit/events?referral=${referralId}&action=queued`);
    const q = entries[entries.length - 1];
    indent(
      `Why: agreement ${q.agreement.id} v${q.agreement.version}; lawful basis ${q.lawfulBasis}; consent ${q.consents.map((c) => c.reference).join(', ') || '(not needed)'}.`,
    );
  };
  const webhook = async (type, referralId) => {
    const m = await receiver.next((x) => x.type === type && x.data.referralId === referralId);
    indent(
      `Homestead's webhook receives ${m.type}${m.data.version ? ` (version ${m.data.version})` : ''}: signature verified with standardwebhooks.`,
    );
    indent(`Disclosed (field names, not values): ${fields(m.data.dataset ?? { referralId: true })}.`);
    return m;
  };
  const answer = async (who, id, body) => {
    await who.post(`/referrals/${id}/status`, body);
    const by = body.recordedBy ? ` (recorded by ${body.recordedBy.name})` : '';
    const date = body.date ? ` for ${body.date}` : '';
    indent(
      `${who.id} answers: ${body.status}${date}${body.outcome ? `, outcome ${body.outcome}` : ''}${by}.`,
    );
  };
  /** What the ward sees of the work: who is on the case, and each step so far, in order. */
  const steps = async (id) => {
    const task = await trust.get(`/fhir/Task/${id}`);
    indent(`The ward's Task shows who is on the case: ${task.owner.display}.`);
    const codes = (task.output ?? []).map((o) => o.type.coding[0].code).filter((c) => c !== 'outcome');
    indent(`Steps so far, in order: ${codes.join(' -> ')}.`);
    for (const n of task.note ?? []) indent(`Note from ${n.authorString}: "${n.text}"`);
  };

  const [robin] = await send(
    'an admission (HL7 v2 A01) for Robin: mental health ward, homeless, consents to Homestead.',
    story.admission(),
  );
  await basis(robin.id);
  await webhook('referral.created', robin.id);
  await taskSeen(robin.id, 'received');
  await answer(homestead, robin.id, { status: 'accepted', recordedBy: story.TEAM_LEAD });
  await taskSeen(robin.id);

  say();
  say(`${++step}. Homestead names the housing worker on Robin's case and starts the work.`);
  await homestead.put(`/referrals/${robin.id}/worker`, { ...story.WORKER, recordedBy: story.TEAM_LEAD });
  indent(
    `PUT /referrals/${robin.id}/worker: ${story.WORKER.name}, ${story.WORKER.role} (work phone and email for the ward).`,
  );
  const jo = { name: story.WORKER.name, role: story.WORKER.role };
  await answer(homestead, robin.id, { status: 'contacted', recordedBy: jo, note: story.CONTACTED_NOTE });
  await answer(homestead, robin.id, { status: 'assessed', recordedBy: jo });
  await steps(robin.id);

  say();
  say(`${++step}. The ward asks Homestead a question; Jo answers it.`);
  const asked = await trust.post('/fhir/Communication', story.question(robin.id), 'application/fhir+json');
  const question = await receiver.next(
    (x) => x.type === 'referral.message' && x.data.referralId === robin.id,
  );
  indent(`North Coast posts a FHIR Communication (${asked.id}) about Task ${robin.id}.`);
  indent(`Homestead's webhook receives referral.message: "${question.data.message.text}"`);
  await homestead.post(`/referrals/${robin.id}/messages`, { text: story.REPLY, author: jo });
  const thread = await trust.get(`/fhir/Communication?based-on=Task/${robin.id}`);
  const reply = thread.entry.map((e) => e.resource).find((c) => c.id !== asked.id);
  indent(
    `North Coast reads the answer (GET /fhir/Communication?based-on=Task/${robin.id}): "${reply.payload[0].contentString}"`,
  );
  indent('Both messages are audited as disclosures of free text (the hash, never the words).');

  await send("Robin's expected discharge date (a week from now).", story.expectedDischarge());
  await webhook('referral.updated', robin.id);
  await taskSeen(robin.id);

  const [sam] = await send(
    'a housing need for Sam, who has not been asked about sharing yet.',
    story.withoutConsent(),
  );
  await taskSeen(sam.id);
  indent('Nothing was sent to anyone; the withheld decision is in the audit.');

  const [alex] = await send(
    'an admission for Alex, who consents but lives in Durham.',
    story.outOfCatchment(),
  );
  await taskSeen(alex.id);

  const [charlie] = await send(
    'a Duty to Refer request: Charlie chose Wearmouth council (Housing Act 1996 s.213B).',
    story.dutyToRefer(),
  );
  await basis(charlie.id);
  const inbox = await wearmouth.get('/referrals?status=new');
  indent(
    `Wearmouth's system checks its inbox (GET /referrals?status=new): ${inbox.referrals.length} new referral.`,
  );
  const message = await wearmouth.get(`/referrals/${charlie.id}`);
  indent(
    `Wearmouth reads ${message.type}: this first read is the disclosure. Fields: ${fields(message.data.dataset)}.`,
  );
  await wearmouth.post(`/referrals/${charlie.id}/acknowledge`);
  indent('wearmouth-council acknowledges it.');
  await answer(wearmouth, charlie.id, { status: 'accepted' });
  await taskSeen(charlie.id);

  const [morgan] = await send('an admission for Morgan, who consents to Homestead.', story.morganAdmission());
  await webhook('referral.created', morgan.id);
  await taskSeen(morgan.id, 'received');
  await send(
    'a consent update: Morgan withdraws consent to share with Homestead.',
    story.consentWithdrawal(),
  );
  await webhook('referral.consent-withdrawn', morgan.id);
  indent('The notice holds the referral id only: Homestead stops work and deletes what the agreement says.');
  await taskSeen(morgan.id, 'cancelled');

  say();
  say(`${++step}. Jo finds Robin a flat and sets the move date.`);
  await answer(homestead, robin.id, { status: 'move-date-set', date: story.moveDate(), recordedBy: jo });

  await send("Robin's discharge (HL7 v2 A03), with where Robin went.", story.discharge());
  const discharged = await webhook('referral.updated', robin.id);
  const d = discharged.data.dataset;
  indent(
    `The update says why (${discharged.data.cause.event}) and what changed: ${discharged.data.changes.fields.join(', ')}.`,
  );
  indent(
    `Where Robin went: destination code ${d.dischargeDestination?.code} (UK Core discharge destination).`,
  );
  await answer(homestead, robin.id, { status: 'moved-in', recordedBy: jo });
  await answer(homestead, robin.id, {
    status: 'completed',
    outcome: 'supported-accommodation',
    recordedBy: jo,
  });
  await taskSeen(robin.id, 'completed');
  await steps(robin.id);
  say();
  say(`${++step}. Wearmouth council closes Charlie's case.`);
  await answer(wearmouth, charlie.id, { status: 'completed', outcome: 'temporary-accommodation' });
  await taskSeen(charlie.id, 'completed');

  say();
  say(`${++step}. The IG lead (North shared IG and audit service) checks the audit.`);
  const count = async (action) => (await ig.get(`/audit/events?action=${action}&limit=500`)).entries.length;
  indent(
    `Disclosures: ${await count('disclosed')}; withheld: ${await count('withheld')}; consent withdrawals: ${await count('consent-withdrawn')}.`,
  );
  const verified = await ig.get('/audit/verify');
  if (!verified.ok)
    throw new Error(`audit chain BROKEN at entry ${verified.firstBrokenSeq}: ${verified.problem}`);
  indent(
    `GET /audit/verify: audit chain verified: ${verified.entries} entries, head ${verified.head.hash.slice(0, 16)}...`,
  );
  if (receiver.refused() > 0)
    throw new Error(`${receiver.refused()} webhook(s) failed signature verification`);
  say();
  say(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. The temporary data folder is removed.`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
