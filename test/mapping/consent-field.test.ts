/**
 * The `consent` field (src/mapping/consent-field.ts): which consent it reports as recorded, by
 * whom and when, and what it says when the disclosure rests on another lawful basis.
 */
import type { Consent } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { readConsent } from '../../src/mapping/consent-field.js';
import { mappingContext, permit } from './mapping-context.js';
import { sampleEvent } from './sample-event.js';

const sample = sampleEvent().consents[0] as Consent;
const consent = (id: string, over: Partial<Consent> = {}): Consent => ({ ...sample, id, ...over });

/** The `consent` field of a permit resting on `refs`, for an event carrying `consents`. */
function field(consents: Consent[], refs: string[], over: Parameters<typeof permit>[2] = {}) {
  const decision = permit('duty-to-refer', ['consent', 'contactDetails'], {
    consents: refs.map((reference) => ({ reference })),
    ...over,
  });
  return readConsent(mappingContext(sampleEvent({ consents }), decision));
}

describe('the consent field', () => {
  it('records explicit consent to the referral and to sharing contact details, when and by whom', () => {
    expect(field([sample], ['Consent/cons1'])).toStrictEqual({
      referral: true,
      shareContactDetails: true,
      recordedAt: '2026-11-19T10:30:00Z',
      recordedBy: 'Sam Synthetic-Reed, discharge coordinator',
      consents: ['Consent/cons1'],
    });
  });

  it('says contact details are not shared when the permit leaves them out', () => {
    const decision = permit('duty-to-refer', ['consent', 'name'], {
      consents: [{ reference: 'Consent/cons1' }],
    });
    expect(readConsent(mappingContext(sampleEvent(), decision))).toMatchObject({
      shareContactDetails: false,
    });
  });

  it('reports the latest active consent the decision rested on, not an inactive or unconsulted one', () => {
    const older = consent('older', { dateTime: '2026-11-01T09:00:00Z' });
    const newer = consent('newer', { dateTime: '2026-11-20T09:00:00Z' });
    const withdrawn = consent('withdrawn', { status: 'inactive', dateTime: '2026-11-22T09:00:00Z' });
    const unconsulted = consent('unconsulted', { dateTime: '2026-11-22T10:00:00Z' });
    const refs = ['Consent/older', 'Consent/newer', 'Consent/withdrawn'];
    for (const order of [
      [older, newer, withdrawn, unconsulted],
      [unconsulted, withdrawn, newer, older],
    ])
      expect(field(order, refs)).toMatchObject({ recordedAt: '2026-11-20T09:00:00Z', consents: refs });
  });

  it('prefers a dated consent to an undated one, and gives no time when the consent has none', () => {
    const { dateTime: _, ...undatedSample } = consent('undated');
    const undated = undatedSample as Consent;
    const dated = consent('dated', { dateTime: '2026-11-01T09:00:00Z' });
    for (const order of [
      [undated, dated],
      [dated, undated],
    ])
      expect(field(order, ['Consent/undated', 'Consent/dated'])).toMatchObject({
        recordedAt: '2026-11-01T09:00:00Z',
      });
    expect(field([undated], ['Consent/undated'])).not.toHaveProperty('recordedAt');
  });

  it('names the recording organisation when no performer is given, and no recorder when neither is', () => {
    const { performer: _, ...noPerformer } = sample;
    expect(
      field(
        [{ ...noPerformer, performer: [], organization: [{ display: 'North Coast IDT' }] }],
        ['Consent/cons1'],
      ),
    ).toMatchObject({
      recordedBy: 'North Coast IDT',
    });
    expect(field([{ ...noPerformer, organization: [] } as Consent], ['Consent/cons1'])).not.toHaveProperty(
      'recordedBy',
    );
    expect(field([noPerformer as Consent], ['Consent/cons1'])).not.toHaveProperty('recordedBy');
  });

  it('still records the consent to the referral when the event carries none of the consents consulted', () => {
    expect(field([], ['Consent/remembered'])).toStrictEqual({
      referral: true,
      shareContactDetails: true,
      consents: ['Consent/remembered'],
    });
  });

  it('records no consent but the lawful basis when the disclosure rests on another basis (safeguarding)', () => {
    const lawfulBasis = { article6: '6(1)(d)', article9: '9(2)(c)', basis: 'safeguarding' as const };
    expect(field([sample], ['Consent/cons1'], { lawfulBasis })).toStrictEqual({
      referral: false,
      shareContactDetails: false,
      lawfulBasis: 'safeguarding',
      consents: ['Consent/cons1'],
    });
  });
});
