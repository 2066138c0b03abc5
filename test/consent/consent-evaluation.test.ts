/**
 * evaluateConsents() rule by rule (src/consent/consent-evaluation.ts): which Consents are about
 * this person and count, which version of a consent stands, which provisions apply to this
 * recipient, purpose and time, and how verdicts combine (deny overrides permit, in either order).
 */
import type { Consent, ConsentProvision, ConsentProvisionActor } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { type ConsentContext, evaluateConsents } from '../../src/consent/consent-evaluation.js';
import type { RecordFacts } from '../../src/consent/disclosure-facts.js';
import type { DecisionPatient } from '../../src/consent/types.js';
import {
  actor,
  consent,
  DISCHARGE,
  DTR,
  dataClass,
  NHS,
  NOW,
  PATIENT_REF,
  patient,
  permitFor,
  purpose,
} from './builders.js';

const HHA = 'HHA01';
const TRUST = 'R9N1C';
const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const ACTION = 'http://terminology.hl7.org/CodeSystem/consentaction';
const FIELDS: DatasetField[] = ['name', 'nhsNumber', 'ward', 'riskFlags', 'consent'];
const IDENTITY: DatasetField[] = ['name', 'nhsNumber'];

const ctx = (over: Partial<ConsentContext> = {}): ConsentContext => ({
  recipientOds: HHA,
  purpose: DISCHARGE,
  at: NOW,
  fields: FIELDS,
  senderOds: TRUST,
  ...over,
});
const evaluate = (cs: Consent[], over: Partial<ConsentContext> = {}, who: DecisionPatient = patient) =>
  evaluateConsents(cs, who, ctx(over));
const verdicts = (cs: Consent[], over: Partial<ConsentContext> = {}, who: DecisionPatient = patient) =>
  Object.fromEntries(evaluate(cs, over, who).verdicts);
const all = (v: 'permit' | 'deny', fields: DatasetField[] = FIELDS) =>
  Object.fromEntries(fields.map((f) => [f, v]));
const permitted = (cs: Consent[], over: Partial<ConsentContext> = {}, who: DecisionPatient = patient) =>
  Object.entries(verdicts(cs, over, who))
    .filter(([, v]) => v === 'permit')
    .map(([f]) => f);
const denyIdentity: ConsentProvision = { type: 'deny', class: [dataClass('identity')] };
const withPatient = (c: Consent, p: Consent['patient']): Consent => ({ ...c, patient: p });
const role = (code: string) => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }],
});
const permitWith = (extra: Partial<ConsentProvision>, o: Parameters<typeof consent>[0] = {}) =>
  consent({
    ...o,
    provision: { type: 'permit', purpose: [purpose(DISCHARGE)], actor: [actor(HHA)], ...extra },
  });

describe('which Consents are about this person', () => {
  it('a Consent naming another person’s NHS number does not count for this patient', () => {
    expect(evaluate([permitFor(HHA, DISCHARGE, {}, { byNhsNumber: '9000000009' })]).verdicts.size).toBe(0);
    expect(verdicts([permitFor(HHA, DISCHARGE, {}, { byNhsNumber: NHS })])).toEqual(all('permit'));
  });

  it('an NHS number written with spaces is the same number', () => {
    const c = withPatient(permitFor(HHA, DISCHARGE), {
      identifier: { system: NHS_SYSTEM, value: '943 476 5919' },
    });
    expect(verdicts([c])).toEqual(all('permit'));
  });

  it('an NHS number under another identifier system is not the person’s', () => {
    const c = withPatient(permitFor(HHA, DISCHARGE), {
      identifier: { system: 'https://trust.example/mrn', value: NHS },
    });
    expect(evaluate([c]).verdicts.size).toBe(0);
  });

  it('when the person’s NHS number is not known, a Consent identified by an NHS number without a value is not theirs', () => {
    const c = withPatient(permitFor(HHA, DISCHARGE), { identifier: { system: NHS_SYSTEM } });
    expect(evaluate([c], {}, { references: [PATIENT_REF] }).verdicts.size).toBe(0);
  });

  it('a Consent about another patient reference, or about no patient, does not count', () => {
    expect(
      evaluate([permitFor(HHA, DISCHARGE, {}, { patientRef: 'Patient/someone-else' })]).verdicts.size,
    ).toBe(0);
    const { patient: _, ...noPatient } = permitFor(HHA, DISCHARGE);
    expect(evaluate([noPatient as Consent]).verdicts.size).toBe(0);
    expect(verdicts([permitFor(HHA, DISCHARGE, {}, { patientRef: 'Patient/p1' })])).toEqual(all('permit'));
  });

  it('a Consent entered in error is ignored and not consulted; other resources are not consents', () => {
    const e = evaluate([permitFor(HHA, DISCHARGE, {}, { status: 'entered-in-error' })]);
    expect([e.verdicts.size, e.consulted, e.anyForPatient]).toEqual([0, [], false]);
    const notConsent = { ...permitFor(HHA, DISCHARGE), resourceType: 'Basic' } as unknown as Consent;
    expect(evaluate([notConsent]).consulted).toEqual([]);
  });

  it('only the scopes the agreement accepts count: patient-privacy by default, treatment when listed', () => {
    const treatment = permitFor(HHA, DISCHARGE, {}, { scope: 'treatment' });
    expect(evaluate([treatment]).verdicts.size).toBe(0);
    expect(verdicts([treatment], { scopes: ['patient-privacy', 'treatment'] })).toEqual(all('permit'));
    expect(evaluate([permitFor(HHA, DISCHARGE)], { scopes: ['treatment'] }).verdicts.size).toBe(0);
    const otherSystem = {
      ...permitFor(HHA, DISCHARGE),
      scope: { coding: [{ system: 'https://x.example', code: 'patient-privacy' }] },
    };
    expect(evaluate([otherSystem]).verdicts.size).toBe(0);
    const noCode = { ...permitFor(HHA, DISCHARGE), scope: { coding: [{ system: SCOPE }] } };
    expect(evaluate([noCode]).verdicts.size).toBe(0);
    const noScope = { ...permitFor(HHA, DISCHARGE), scope: { text: 'privacy' } };
    expect(evaluate([noScope]).verdicts.size).toBe(0);
  });

  it('names each consulted Consent by id and version; one without an id as unidentified', () => {
    const { id: _, meta: __, ...bare } = permitFor(HHA, DISCHARGE);
    const e = evaluate([permitFor(HHA, DISCHARGE, {}, { id: 'c-a', versionId: '3' }), bare as Consent]);
    expect(e.consulted).toEqual([
      { reference: 'Consent/c-a', versionId: '3' },
      { reference: 'Consent/unidentified' },
    ]);
  });
});

describe('which version of a consent stands', () => {
  const withdrawal = (o: Parameters<typeof consent>[0]) =>
    permitFor(HHA, DISCHARGE, {}, { series: 's1', status: 'inactive', ...o });
  const permitV = (o: Parameters<typeof consent>[0]) => permitFor(HHA, DISCHARGE, {}, { series: 's1', ...o });

  it('an older permit listed after a withdrawal does not revive consent', () => {
    const e = evaluate([
      withdrawal({ dateTime: '2026-11-21T09:00:00Z' }),
      permitV({ dateTime: '2026-11-18T09:00:00Z' }),
    ]);
    expect([e.verdicts.size, e.anyWithdrawn, e.anyForPatient]).toEqual([0, true, false]);
  });

  it('a later permit after a withdrawal stands, in either order', () => {
    const w = withdrawal({ dateTime: '2026-11-18T09:00:00Z' });
    const p = permitV({ dateTime: '2026-11-21T09:00:00Z' });
    expect(verdicts([w, p])).toEqual(all('permit'));
    expect(verdicts([p, w])).toEqual(all('permit'));
  });

  it('of two versions with the same dateTime, the later in the list stands', () => {
    const at = { dateTime: '2026-11-18T09:00:00Z' };
    expect(evaluate([permitV(at), withdrawal(at)]).verdicts.size).toBe(0);
    expect(verdicts([withdrawal(at), permitV(at)])).toEqual(all('permit'));
  });

  it('a version without a dateTime never replaces a dated one', () => {
    const { dateTime: _, ...undated } = permitV({});
    expect(
      evaluate([withdrawal({ dateTime: '2026-11-18T09:00:00Z' }), undated as Consent]).verdicts.size,
    ).toBe(0);
  });

  it('a rejected version is a withdrawal too; draft and proposed versions do not count', () => {
    expect(evaluate([permitFor(HHA, DISCHARGE, {}, { status: 'rejected' })]).anyWithdrawn).toBe(true);
    for (const status of ['draft', 'proposed'] as const) {
      const e = evaluate([permitFor(HHA, DISCHARGE, {}, { status })]);
      expect([e.verdicts.size, e.anyWithdrawn, e.anyForPatient]).toEqual([0, false, false]);
    }
    expect(evaluate([permitFor(HHA, DISCHARGE)]).anyForPatient).toBe(true);
  });

  it('consents of different series, or with the same value under another system, are separate consents', () => {
    const deny = consent({ series: 's2', dateTime: '2026-11-17T09:00:00Z', provision: denyIdentity });
    expect(verdicts([deny, permitFor(HHA, DISCHARGE, {}, { series: 's1' })])).toMatchObject(
      all('deny', IDENTITY),
    );
    const otherSystem = { ...deny, identifier: [{ system: 'https://other.example/consents', value: 's1' }] };
    expect(verdicts([otherSystem, permitFor(HHA, DISCHARGE, {}, { series: 's1' })])).toMatchObject(
      all('deny', IDENTITY),
    );
  });

  it('consents without an identifier are told apart by id, and without an id by dateTime', () => {
    const bare = (c: Consent) => {
      const { identifier: _, ...rest } = c;
      return rest as Consent;
    };
    const deny = bare(consent({ id: 'd', dateTime: '2026-11-17T09:00:00Z', provision: denyIdentity }));
    const permit = bare(permitFor(HHA, DISCHARGE, {}, { id: 'p', dateTime: '2026-11-18T09:00:00Z' }));
    expect(verdicts([deny, permit])).toMatchObject(all('deny', IDENTITY));
    const noId = (c: Consent) => {
      const { id: _, ...rest } = c;
      return rest as Consent;
    };
    expect(verdicts([noId(deny), noId(permit)])).toMatchObject(all('deny', IDENTITY));
    // Same id, no identifier: versions of one consent, the later one stands.
    const v2 = { ...permit, id: 'd' };
    expect(verdicts([deny, v2])).toEqual(all('permit'));
  });
});

describe('deny overrides permit, field by field, whatever the order', () => {
  const deny = consent({ provision: denyIdentity });
  const expected = { ...all('permit'), ...all('deny', IDENTITY) };

  it('across consents: deny listed first, and permit listed first', () => {
    expect(verdicts([deny, permitFor(HHA, DISCHARGE)])).toEqual(expected);
    expect(verdicts([permitFor(HHA, DISCHARGE), deny])).toEqual(expected);
  });

  it('among sibling provisions: deny listed first, and permit listed first', () => {
    const permitChild: ConsentProvision = { type: 'permit', class: [dataClass('identity')] };
    const root = (provision: ConsentProvision[]) =>
      consent({
        provision: { type: 'permit', actor: [actor(HHA)], purpose: [purpose(DISCHARGE)], provision },
      });
    expect(verdicts([root([denyIdentity, permitChild])])).toEqual(expected);
    expect(verdicts([root([permitChild, denyIdentity])])).toEqual(expected);
  });

  it('a nested exception overrides its parent for what it covers, and a typeless one takes the opposite type', () => {
    expect(verdicts([permitWith({ provision: [{ class: [dataClass('identity')] }] })])).toEqual(expected);
    const denyAll = consent({
      provision: {
        type: 'deny',
        provision: [{ actor: [actor(HHA)], purpose: [purpose(DISCHARGE)], class: [dataClass('identity')] }],
      },
    });
    expect(verdicts([denyAll])).toEqual({ ...all('deny'), ...all('permit', IDENTITY) });
  });

  it('a permit nested in a provision naming this recipient and purpose counts without naming them again', () => {
    const nested = consent({
      provision: {
        type: 'deny',
        actor: [actor(HHA)],
        purpose: [purpose(DISCHARGE)],
        provision: [{ type: 'permit', class: [dataClass('identity')] }],
      },
    });
    expect(verdicts([nested])).toEqual({ ...all('deny'), ...all('permit', IDENTITY) });
  });

  it('a permit nested under a provision about another action is not consent to disclose', () => {
    const access = [{ coding: [{ system: ACTION, code: 'access' }] }];
    const nested = consent({
      provision: {
        type: 'deny',
        action: access,
        actor: [actor(HHA)],
        purpose: [purpose(DISCHARGE)],
        provision: [{ type: 'permit', class: [dataClass('identity')] }],
      },
    });
    expect(verdicts([nested])).toEqual(all('deny'));
  });
});

describe('which provisions apply: recipient, purpose, action', () => {
  it('a permit counts only when it names this recipient and this purpose', () => {
    expect(permitted([consent({ provision: { type: 'permit', purpose: [purpose(DISCHARGE)] } })])).toEqual(
      [],
    );
    expect(permitted([consent({ provision: { type: 'permit', actor: [actor(HHA)] } })])).toEqual([]);
    expect(permitted([permitFor(HHA, DTR)])).toEqual([]);
    expect(permitted([permitFor('LTB01', DISCHARGE)])).toEqual([]);
    expect(permitted([permitFor('hha01', DISCHARGE)])).toEqual(FIELDS);
  });

  it('a permit of another action (read access) is not consent to disclose; one of disclose is', () => {
    const access = [{ coding: [{ system: ACTION, code: 'access' }] }];
    expect(permitted([permitWith({ action: access })])).toEqual([]);
    expect(permitted([permitWith({ action: [{ text: 'share' }] })])).toEqual([]);
    expect(
      permitted([permitWith({ action: [...access, { coding: [{ system: ACTION, code: 'disclose' }] }] })]),
    ).toEqual(FIELDS);
  });

  it('a deny of another action still withholds (in doubt, withhold)', () => {
    const c = consent({
      provision: { type: 'deny', action: [{ coding: [{ system: ACTION, code: 'access' }] }] },
    });
    expect(verdicts([c])).toEqual(all('deny'));
  });

  it('a deny naming another recipient does not apply; one naming this recipient, or none, does', () => {
    expect(verdicts([consent({ provision: { type: 'deny', actor: [actor('LTB01')] } })])).toEqual({});
    expect(verdicts([consent({ provision: { type: 'deny', actor: [actor(HHA)] } })])).toEqual(all('deny'));
    expect(verdicts([consent({ provision: { type: 'deny' } })])).toEqual(all('deny'));
  });

  it('a deny for another purpose does not apply', () => {
    expect(verdicts([consent({ provision: { type: 'deny', purpose: [purpose(DTR)] } })])).toEqual({});
  });

  it('an actor named by a message reference is the recipient when the message resolves it so', () => {
    const byRef = { role: role('IRCP'), reference: { reference: 'Organization/org-hha' } };
    const c = consent({ provision: { type: 'permit', actor: [byRef], purpose: [purpose(DISCHARGE)] } });
    expect(permitted([c], { recipientReferences: ['Organization/org-hha'] })).toEqual(FIELDS);
    expect(permitted([c], { recipientReferences: ['Organization/other'] })).toEqual([]);
    // Not known whom it names: a permit does not count, a deny applies.
    expect(permitted([c])).toEqual([]);
    const deny = consent({ provision: { type: 'deny', actor: [byRef] } });
    expect(verdicts([deny])).toEqual(all('deny'));
    expect(verdicts([deny], { recipientReferences: ['Organization/other'] })).toEqual({});
    const nobody = { role: role('IRCP'), reference: { display: 'Homestead' } };
    expect(verdicts([consent({ provision: { type: 'deny', actor: [nobody] } })])).toEqual(all('deny'));
  });

  it('an actor without a role is the recipient', () => {
    const c = consent({
      provision: {
        type: 'permit',
        actor: [{ reference: actor(HHA).reference } as ConsentProvisionActor],
        purpose: [purpose(DISCHARGE)],
      },
    });
    expect(permitted([c])).toEqual(FIELDS);
  });

  it('a permit naming the sending trust as custodian or author counts only when that is the sender', () => {
    for (const code of ['CST', 'AUT']) {
      const trust = actor(TRUST, code);
      expect(permitted([permitWith({ actor: [actor(HHA), trust] })])).toEqual(FIELDS);
      expect(permitted([permitWith({ actor: [actor(HHA), actor('RXX01', code)] })])).toEqual([]);
      expect(permitted([permitWith({ actor: [actor(HHA), trust] })], { senderOds: undefined })).toEqual([]);
    }
    const byRef = { role: role('CST'), reference: { reference: 'Organization/org-trust' } };
    expect(
      permitted([permitWith({ actor: [actor(HHA), byRef] })], {
        senderReferences: ['Organization/org-trust'],
      }),
    ).toEqual(FIELDS);
    expect(permitted([permitWith({ actor: [actor(HHA), byRef] })])).toEqual([]);
  });

  it('a deny naming the sending trust as custodian applies; one naming another trust does not', () => {
    expect(verdicts([consent({ provision: { type: 'deny', actor: [actor(TRUST, 'CST')] } })])).toEqual(
      all('deny'),
    );
    expect(verdicts([consent({ provision: { type: 'deny', actor: [actor('RXX01', 'CST')] } })])).toEqual({});
    // The sender's code not known: in doubt, the deny applies.
    expect(
      verdicts([consent({ provision: { type: 'deny', actor: [actor('RXX01', 'CST')] } })], {
        senderOds: undefined,
      }),
    ).toEqual(all('deny'));
  });

  it('an actor in a role the gateway does not understand: a permit does not count, a deny does not apply', () => {
    const odd = actor(HHA, 'WIT');
    expect(permitted([permitWith({ actor: [actor(HHA), odd] })])).toEqual([]);
    expect(verdicts([consent({ provision: { type: 'deny', actor: [odd] } })])).toEqual({});
    const mixed = { ...actor(HHA), role: { coding: [...role('IRCP').coding, ...role('WIT').coding] } };
    expect(permitted([permitWith({ actor: [mixed] })])).toEqual([]);
    const noCode = {
      ...actor(HHA),
      role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType' }] },
    };
    expect(permitted([permitWith({ actor: [noCode] })])).toEqual([]);
  });

  it('a permit naming several recipients counts when one of them is this one (PRCP too)', () => {
    expect(permitted([permitWith({ actor: [actor('LTB01'), actor(HHA, 'PRCP')] })])).toEqual(FIELDS);
  });
});

describe('which provisions apply: time', () => {
  const during = (start?: string, end?: string) =>
    permitWith({ period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } });

  it('a period holds from its start to its end, inclusive at both ends', () => {
    expect(permitted([during('2026-11-23T10:00:00Z', '2026-11-23T10:00:00Z')])).toEqual(FIELDS);
    expect(permitted([during(undefined, '2026-11-23T09:59:59Z')])).toEqual([]);
    expect(permitted([during('2026-11-23T10:00:01Z')])).toEqual([]);
  });

  it('a permit whose period ended is expired, and says so only when nothing else speaks', () => {
    const ended = during(undefined, '2026-11-22');
    const e = evaluate([ended]);
    expect([e.verdicts.size, e.anyExpired, e.anyForPatient]).toEqual([0, true, true]);
    expect(evaluate([during('2026-12-01')]).anyExpired).toBe(false);
    const withDeny = permitWith({ period: { end: '2026-11-22' } }, {});
    expect(
      evaluate([
        {
          ...withDeny,
          provision: {
            ...withDeny.provision,
            provision: [{ type: 'deny', period: { start: '2026-01-01' }, class: [dataClass('identity')] }],
          },
        },
      ]).anyExpired,
    ).toBe(true);
  });

  it('an expired provision with a standing opt-out is not "expired": the opt-out still speaks', () => {
    const c = consent({ policyRule: 'OPTOUT', provision: { period: { end: '2026-11-22' } } });
    expect(evaluate([c]).anyExpired).toBe(false);
  });

  it('a period the gateway cannot read: a deny holds, a permit does not', () => {
    expect(permitted([during('not-a-date')])).toEqual([]);
    expect(permitted([during(undefined, 'soon')])).toEqual([]);
    const deny = consent({ provision: { type: 'deny', period: { start: 'not-a-date' } } });
    expect(verdicts([deny])).toEqual(all('deny'));
    const denyOther = consent({
      provision: { type: 'deny', period: { end: 'soon' }, actor: [actor('LTB01')] },
    });
    expect(verdicts([denyOther])).toEqual({});
  });
});

describe('base policy (policyRule) and the root type', () => {
  it('OPTOUT is a deny of everything, to which the provisions are exceptions (OPTOUTE too)', () => {
    for (const code of ['OPTOUT', 'OPTOUTE']) {
      expect(verdicts([consent({ policyRule: code })])).toEqual(all('deny'));
      const c = consent({
        policyRule: code,
        provision: {
          type: 'permit',
          actor: [actor(HHA)],
          purpose: [purpose(DISCHARGE)],
          class: [dataClass('identity')],
        },
      });
      expect(verdicts([c])).toEqual({ ...all('deny'), ...all('permit', IDENTITY) });
    }
  });

  it('a root without a type is a deny under OPTIN or OPTOUT, and a permit with no base policy', () => {
    const root = { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] };
    for (const code of ['OPTIN', 'OPTINR', 'OPTOUT', 'OPTOUTE'])
      expect(verdicts([consent({ policyRule: code, provision: root })])).toEqual(all('deny'));
    expect(verdicts([consent({ provision: root })])).toEqual(all('permit'));
    expect(verdicts([consent({ policyRule: 'OPTIN', provision: { ...root, type: 'permit' } })])).toEqual(
      all('permit'),
    );
  });

  it('a policy rule with no coding is no base policy', () => {
    const c = {
      ...consent({ provision: { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] } }),
      policyRule: { text: 'local' },
    };
    expect(verdicts([c])).toEqual(all('permit'));
  });

  it('a Consent with no provision at all permits nothing (it names no recipient or purpose)', () => {
    expect(verdicts([consent({})])).toEqual({});
  });
});

describe('the message’s records reach the data scope', () => {
  it('a permit limited to a record of the message permits the fields only that record feeds', () => {
    const patientRecord: RecordFacts = {
      references: ['Patient/p1'],
      resourceType: 'Patient',
      fields: ['name', 'nhsNumber'],
      refersTo: [],
      authors: [],
      timeless: true,
      codes: [],
      labels: [],
    };
    const c = permitWith({ data: [{ meaning: 'instance', reference: { reference: 'Patient/p1' } }] });
    expect(permitted([c], { records: [patientRecord] })).toEqual(IDENTITY);
    expect(permitted([c])).toEqual([]);
  });
});

describe('boundaries of the rules above', () => {
  const deny = (extra: Partial<ConsentProvision>) => consent({ provision: { type: 'deny', ...extra } });

  it('an NHS-number identifier without a value is not this person, even when their NHS number is known', () => {
    const c = withPatient(permitFor(HHA, DISCHARGE), { identifier: { system: NHS_SYSTEM } });
    expect(evaluate([c]).verdicts.size).toBe(0);
  });

  it('a Consent counts when any of its scope codings is one the agreement accepts; one without a scope does not', () => {
    const c = permitFor(HHA, DISCHARGE);
    const two = {
      ...c,
      scope: {
        coding: [
          { system: SCOPE, code: 'research' },
          { system: SCOPE, code: 'patient-privacy' },
        ],
      },
    };
    expect(verdicts([two])).toEqual(all('permit'));
    const { scope: _, ...noScope } = c;
    expect(evaluate([noScope as Consent]).verdicts.size).toBe(0);
  });

  it('a dated version replaces an undated one listed before it', () => {
    const { dateTime: _, ...undated } = permitFor(HHA, DISCHARGE, {}, { series: 's1' });
    const withdrawal = permitFor(HHA, DISCHARGE, {}, { series: 's1', status: 'inactive' });
    expect(evaluate([undated as Consent, withdrawal]).verdicts.size).toBe(0);
  });

  it('an actor with no reference: a deny applies (in doubt), a permit does not count', () => {
    const noRef = { role: role('IRCP') } as ConsentProvisionActor;
    expect(verdicts([deny({ actor: [noRef] })])).toEqual(all('deny'));
    expect(permitted([permitWith({ actor: [noRef] })])).toEqual([]);
  });

  it('an actor identified by a code that is not an ODS code, or an ODS identifier without a value, is not known to be the recipient', () => {
    const other = {
      role: role('IRCP'),
      reference: { identifier: { system: 'https://example.org/codes', value: HHA } },
    };
    expect(permitted([permitWith({ actor: [other] })])).toEqual([]);
    expect(verdicts([deny({ actor: [other] })])).toEqual(all('deny'));
    const noValue = {
      role: role('IRCP'),
      reference: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code' } },
    };
    expect(permitted([permitWith({ actor: [noValue] })])).toEqual([]);
    expect(verdicts([deny({ actor: [noValue] })])).toEqual(all('deny'));
  });

  it('an actor named only by display is not known, even when the message names the recipient by reference', () => {
    const display = { role: role('IRCP'), reference: { display: 'Homestead' } };
    expect(verdicts([deny({ actor: [display] })], { recipientReferences: ['Organization/org-hha'] })).toEqual(
      all('deny'),
    );
  });

  it('an actor in the custodian role among other roles is the sending trust', () => {
    const both = { ...actor(TRUST), role: { coding: [...role('CST').coding, ...role('WIT').coding] } };
    expect(permitted([permitWith({ actor: [actor(HHA), both] })])).toEqual(FIELDS);
    expect(verdicts([deny({ actor: [both] })])).toEqual(all('deny'));
  });

  it('a permit naming only the sending trust is not consent to disclose to this recipient', () => {
    expect(permitted([permitWith({ actor: [actor(TRUST, 'CST')] })])).toEqual([]);
  });

  it('a nested permit naming only the sending trust counts under a parent that names the recipient and purpose', () => {
    const c = consent({
      provision: {
        type: 'deny',
        actor: [actor(HHA)],
        purpose: [purpose(DISCHARGE)],
        provision: [{ type: 'permit', actor: [actor(TRUST, 'CST')], class: [dataClass('identity')] }],
      },
    });
    expect(verdicts([c])).toEqual({ ...all('deny'), ...all('permit', IDENTITY) });
  });

  it('a deny naming several recipients applies when one of them is this one', () => {
    expect(verdicts([deny({ actor: [actor('LTB01'), actor(HHA)] })])).toEqual(all('deny'));
  });

  it('a deny naming the sending trust in a role the gateway does not understand does not apply', () => {
    expect(verdicts([deny({ actor: [actor(TRUST, 'WIT')] })])).toEqual({});
  });

  it('a provision for several purposes applies when one of them is this one', () => {
    expect(permitted([permitWith({ purpose: [purpose(DTR), purpose(DISCHARGE)] })])).toEqual(FIELDS);
  });

  it('an action coded both access and disclose allows disclosure', () => {
    const action = [
      {
        coding: [
          { system: ACTION, code: 'access' },
          { system: ACTION, code: 'disclose' },
        ],
      },
    ];
    expect(permitted([permitWith({ action })])).toEqual(FIELDS);
  });

  it('under OPTIN a typed permit permits what it covers and denies nothing else', () => {
    const c = consent({
      policyRule: 'OPTIN',
      provision: {
        type: 'permit',
        actor: [actor(HHA)],
        purpose: [purpose(DISCHARGE)],
        class: [dataClass('identity')],
      },
    });
    expect(verdicts([c])).toEqual(all('permit', IDENTITY));
  });

  it('a policy rule that is neither opt-in nor opt-out is no base policy', () => {
    const c = consent({
      policyRule: 'NOPP',
      provision: { actor: [actor(HHA)], purpose: [purpose(DISCHARGE)] },
    });
    expect(verdicts([c])).toEqual(all('permit'));
  });

  it('a deny whose period ended no longer withholds', () => {
    const e = evaluate([deny({ period: { end: '2026-11-22' } })]);
    expect([e.verdicts.size, e.anyExpired]).toEqual([0, true]);
  });
});
