/**
 * The gateway's own discharge extensions on the Encounter (fhir/discharge-codes.ts), checked as
 * any coded element is: a code of the gateway's housing-delay-reason CodeSystem must be one it
 * defines, and the Discharge Ready Date must be a date. A 422 names where (conventions 5).
 */
import {
  DISCHARGE_READY_DATE_URL,
  HOUSING_DELAY_REASON_CODES,
  HOUSING_DELAY_REASON_SYSTEM,
  HOUSING_DELAY_REASON_URL,
} from '../fhir/discharge-codes.js';
import type { Issue } from '../fhir/outcome.js';
import { primaryOf } from './extract.js';
import { issues } from './issues.js';
import { asArray, isObject, type Message } from './message.js';

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/;

export function dischargeIssues(m: Message): Issue[] {
  const encounter = primaryOf(m, 'Encounter');
  if (!encounter) return [];
  const out: Issue[] = [];
  asArray(encounter.resource.extension).forEach((x, i) => {
    if (!isObject(x)) return;
    const at = `${encounter.expression}.extension[${i}]`;
    if (x.url === DISCHARGE_READY_DATE_URL) {
      const v = x.valueDate ?? x.valueDateTime;
      if (typeof v !== 'string' || !DATE.test(v))
        out.push(issues.invalidValue(`${at}.valueDate`, 'a full date (the Discharge Ready Date)'));
    }
    if (x.url !== HOUSING_DELAY_REASON_URL) return;
    const concept = x.valueCodeableConcept;
    asArray(isObject(concept) ? concept.coding : undefined).forEach((c, j) => {
      if (!isObject(c) || c.system !== HOUSING_DELAY_REASON_SYSTEM) return;
      if (typeof c.code !== 'string' || !HOUSING_DELAY_REASON_CODES.includes(c.code))
        out.push(
          issues.invalidCode(`${at}.valueCodeableConcept.coding[${j}].code`, HOUSING_DELAY_REASON_CODES),
        );
    });
  });
  return out;
}
