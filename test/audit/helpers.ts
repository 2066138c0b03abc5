/**
 * Shared set-up for the audit tests: a store with the audit log, synthetic entries of every shape
 * the stages will write, and the tampering an attacker with the database file could do.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { AuditInput, AuditLog } from '../../src/audit/types.js';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SAMPLE_CONSENT_DIR, TEST_NOW, TEST_SUBJECT_KEY } from '../helpers/test-app.js';

/** Synthetic people: valid NHS numbers (Modulus 11) from the NHS test range, invented names. */
export const PATIENT = {
  nhsNumber: '9434765919',
  spaced: '943 476 5919',
  name: 'Zebedee Quartermaine',
  address: '12 Lark Rise, Newcastle NE1 4XY',
  phone: '07700 900123',
};
export const OTHER_PATIENT_NHS = '9449304130';

export const registry = loadRegistry(SAMPLE_CONSENT_DIR);

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function agreementRef(id: string, version: number) {
  const a = registry.versions(id).find((v) => v.version === version);
  if (!a) throw new Error(`no agreement ${id} v${version}`);
  return { id, version, sha256: a.sha256 };
}

/** A disclosure as the delivery stage will record it: names of fields, hash of the bytes sent. */
export function disclosure(i: number, overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    action: 'disclosed',
    actor: 'north-coast-trust',
    recipient: 'homegroup-discharge',
    referralId: `ref-${i}`,
    eventId: `evt-${i}`,
    agreement: agreementRef('dsa-north-coast-homestead-discharge', 2),
    consents: [{ reference: `Consent/consent-${i}`, versionId: '2' }],
    lawfulBasis: '6(1)(e) public task; 9(2)(h) health or social care',
    purpose: 'hospital-discharge-housing-support',
    fields: ['name', 'contactDetails', 'nhsNumber', 'ward'],
    payloadSha256: sha256(`{"name":"${PATIENT.name}","nhsNumber":"${PATIENT.nhsNumber}","n":${i}}`),
    subjectNhsNumber: PATIENT.spaced,
    requestId: `req-${i}`,
    ...overrides,
  };
}

export function withheld(i: number, overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    action: 'withheld',
    actor: 'riverside-trust',
    recipient: 'tynebridge-council',
    eventId: `evt-w${i}`,
    agreement: agreementRef('dsa-riverside-tynebridge-dtr', 1),
    consents: [],
    purpose: 'duty-to-refer',
    subjectNhsNumber: PATIENT.nhsNumber,
    requestId: `req-w${i}`,
    detail: { reasons: ['consent-missing'] },
    ...overrides,
  };
}

export interface AuditFixture {
  store: Store;
  audit: AuditLog;
  clock: ReturnType<typeof fixedClock>;
  append(input: AuditInput): Promise<{ seq: number; hash: string }>;
}

export async function auditFixture(url = 'sqlite::memory:'): Promise<AuditFixture> {
  const store = await openStore(url);
  const clock = fixedClock(TEST_NOW);
  const audit = createAuditLog({ clock, subjectKey: TEST_SUBJECT_KEY });
  return {
    store,
    audit,
    clock,
    append: async (input) => {
      clock.advance(1000);
      return store.transaction((tx) => audit.append(tx, input));
    },
  };
}

/** Append `n` disclosures; returns the fixture. */
export async function withEntries(n: number, url?: string): Promise<AuditFixture> {
  const f = await auditFixture(url);
  for (let i = 1; i <= n; i++) await f.append(disclosure(i));
  return f;
}

/** What an attacker with the file does first: the append-only triggers are no obstacle to them. */
export async function dropAppendOnlyTriggers(store: Store): Promise<void> {
  await sql`drop trigger audit_no_update`.execute(store.db);
  await sql`drop trigger audit_no_delete`.execute(store.db);
}

/**
 * The audit of a small day at the gateway, one entry per minute from TEST_NOW: what ig-audit-north
 * may see (its trusts and the discharge service, and gateway-level entries) and what it may not.
 */
export async function seedDay(deps: { store: Store; audit: AuditLog; clock: { advance(ms: number): void } }) {
  const inputs: Array<AuditInput & { visible: boolean }> = [
    { action: 'registry-loaded', actor: 'gateway', detail: { agreements: [] }, visible: true },
    { ...disclosure(1), visible: true },
    { ...withheld(2), visible: true },
    { ...disclosure(3, { subjectNhsNumber: OTHER_PATIENT_NHS }), visible: true },
    {
      ...disclosure(4, {
        actor: 'north-coast-trust',
        recipient: 'wearmouth-council',
        fields: ['name', 'reason'],
      }),
      agreement: agreementRef('dsa-north-coast-wearmouth-dtr', 1),
      purpose: 'duty-to-refer',
      visible: true,
    },
    // Neither actor nor recipient is audited by ig-audit-north:
    {
      action: 'acknowledged',
      actor: 'tynebridge-council',
      recipient: 'tynebridge-council',
      referralId: 'ref-t',
      visible: false,
    },
    {
      action: 'delivery-failed',
      actor: 'gateway',
      recipient: 'wearmouth-council',
      referralId: 'ref-4',
      subjectNhsNumber: PATIENT.nhsNumber,
      visible: false,
    },
  ];
  for (const input of inputs) {
    deps.clock.advance(60_000);
    const { visible: _visible, ...entry } = input;
    await deps.store.transaction((tx) => deps.audit.append(tx, entry));
  }
  return { inputs, visibleSeqs: inputs.flatMap((x, i) => (x.visible ? [i + 1] : [])) };
}

export async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let s = '';
  for await (const chunk of gen) s += chunk;
  return s;
}
