/**
 * The two code lists of a home adaptation referral (issue 19 item 6), as FHIR R4 CodeSystems
 * (R4 section 4.8) of the gateway's own, because neither UK Core nor the NHS Data Dictionary
 * publishes a FHIR CodeSystem for them:
 *  - housing-tenure: who owns the home. The NHS Data Dictionary for Care has an "Accommodation
 *    tenure" SNOMED CT subset (UK refset 6161000000138); the three tenures a Care & Repair or
 *    disabled facilities grant service works by are coarser, so trusts may send either our code or
 *    one of the SNOMED CT findings mapped below (from the NHS Digital RESPRIV_COD refset);
 *  - home-adaptation-need: what the occupational therapy assessment found the home needs.
 * Where the codes are read from in a message: profiles/datasets/README.md, home adaptation.
 */
import type { CodeSystem } from 'fhir/r4.js';
import { codeSystemUrl } from './homeward-base.js';

export const TENURE_SYSTEM = codeSystemUrl('housing-tenure');
export const ADAPTATION_NEED_SYSTEM = codeSystemUrl('home-adaptation-need');
/** Observation.code of the tenure record, and of its landlord component (this system, ours). */
export const HOME_RECORD_SYSTEM = codeSystemUrl('home-adaptation-record');
const SNOMED = 'http://snomed.info/sct';

export type Tenure = 'owner-occupier' | 'private-rented' | 'social-rented';
export type AdaptationNeed = 'access' | 'bathing' | 'stairs' | 'heating' | 'hazards';

interface Concept<C extends string> {
  code: C;
  display: string;
  definition: string;
}

export const TENURES: ReadonlyArray<Concept<Tenure>> = [
  {
    code: 'owner-occupier',
    display: 'Owner-occupier',
    definition: 'The person (or their household) owns the home they live in, outright or with a mortgage.',
  },
  {
    code: 'private-rented',
    display: 'Private rented',
    definition: 'The home is rented from a private landlord: works need the landlord’s consent.',
  },
  {
    code: 'social-rented',
    display: 'Social rented',
    definition:
      'The home is rented from a council or a housing association (registered provider): the landlord usually does the adaptation.',
  },
];

export const ADAPTATION_NEEDS: ReadonlyArray<Concept<AdaptationNeed>> = [
  {
    code: 'access',
    display: 'Access',
    definition: 'Getting in and out of the home and around it: ramps, rails, door widening, key safe.',
  },
  {
    code: 'bathing',
    display: 'Bathing',
    definition: 'Washing and toileting: level-access shower, bath lift, raised toilet, grab rails.',
  },
  {
    code: 'stairs',
    display: 'Stairs',
    definition: 'Moving between floors: stair rail, stairlift, through-floor lift, downstairs living.',
  },
  {
    code: 'heating',
    display: 'Heating',
    definition: 'Keeping warm: no or unsafe heating or hot water, a repair or a replacement boiler.',
  },
  {
    code: 'hazards',
    display: 'Hazards',
    definition:
      'Trip, fall and other hazards of the home (Housing Health and Safety Rating System): repairs, lighting, clearing.',
  },
];

/** SNOMED CT accommodation tenure findings a trust may send instead of our tenure code. */
export const SNOMED_TENURES: Readonly<Record<string, Tenure>> = {
  '160938009': 'social-rented', // House rented from council
  '160939001': 'social-rented', // House rented from housing association
  '160940004': 'private-rented', // House rented from private landlord
};

const TENURE_CODES = new Set<string>(TENURES.map((t) => t.code));
const NEED_CODES = new Set<string>(ADAPTATION_NEEDS.map((n) => n.code));

/** The tenure a coding names (ours or SNOMED CT), if any. */
export function tenureOf(c: { system?: string; code?: string }): Tenure | undefined {
  if (c.system === TENURE_SYSTEM && c.code && TENURE_CODES.has(c.code)) return c.code as Tenure;
  if (c.system === SNOMED && c.code) return SNOMED_TENURES[c.code];
  return undefined;
}

export function adaptationNeedOf(c: { system?: string; code?: string }): AdaptationNeed | undefined {
  return c.system === ADAPTATION_NEED_SYSTEM && c.code && NEED_CODES.has(c.code)
    ? (c.code as AdaptationNeed)
    : undefined;
}

export const tenureDisplay = (t: Tenure) => TENURES.find((x) => x.code === t)?.display ?? t;
export const needDisplay = (n: AdaptationNeed) => ADAPTATION_NEEDS.find((x) => x.code === n)?.display ?? n;

function codeSystem<C extends string>(
  id: string,
  url: string,
  title: string,
  concepts: ReadonlyArray<Concept<C>>,
  version: string,
): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id,
    url,
    version,
    name: title.replace(/[^A-Za-z]/g, ''),
    title,
    status: 'active',
    experimental: false,
    publisher: 'Homeward',
    caseSensitive: true,
    content: 'complete',
    count: concepts.length,
    concept: concepts.map((c) => ({ code: c.code, display: c.display, definition: c.definition })),
  };
}

export const tenureCodeSystem = (version: string) =>
  codeSystem('housing-tenure', TENURE_SYSTEM, 'Housing tenure', TENURES, version);
export const adaptationNeedCodeSystem = (version: string) =>
  codeSystem(
    'home-adaptation-need',
    ADAPTATION_NEED_SYSTEM,
    'Home adaptation need (occupational therapy assessment)',
    ADAPTATION_NEEDS,
    version,
  );
