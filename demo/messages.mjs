// The messages the demo trust sends: the synthetic examples in test/fixtures/messages (the same
// ones the tests and openapi.yaml use), adapted into one story. Dates move with today so the
// consents and agreements are in force whenever the demo runs; every person is synthetic.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway.mjs';

/** The clock the fixtures were written against (test/fixtures/messages/README.md). */
const FIXTURE_NOW = Date.parse('2026-11-23T10:00:00Z');
const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const HOUSING_EVENTS = 'https://homeward.example/fhir/CodeSystem/homeward-housing-events';
const REASONS = 'https://fhir.nhs.uk/CodeSystem/message-reason-bars';

function shiftDates(value, days, key) {
  if (Array.isArray(value)) return value.map((v) => shiftDates(v, days));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftDates(v, days, k)]));
  }
  // Birth dates stay: only the events of the stay move with the calendar.
  if (typeof value !== 'string' || key === 'birthDate' || !DATE.test(value) || days === 0) return value;
  const moved = new Date(Date.parse(value) + days * DAY).toISOString();
  return value.length === 10 ? moved.slice(0, 10) : moved.replace('.000Z', 'Z');
}

/** A fixture, its dates moved by whole days to today, with a fresh MessageHeader.id. */
function fixture(name) {
  const text = readFileSync(join(ROOT, 'test', 'fixtures', 'messages', `${name}-request.json`), 'utf8');
  const days = Math.max(0, Math.floor((Date.now() - FIXTURE_NOW) / DAY));
  const bundle = shiftDates(JSON.parse(text), days);
  bundle.entry[0].resource.id = randomUUID();
  return bundle;
}

const resource = (bundle, type) => bundle.entry.find((e) => e.resource.resourceType === type)?.resource;
const header = (bundle) => bundle.entry[0].resource;
export const messageId = (bundle) => header(bundle).id;

function asEvent(bundle, code) {
  header(bundle).eventCoding = { system: HOUSING_EVENTS, code };
  header(bundle).reason = { coding: [{ system: REASONS, code: 'update' }] };
  return bundle;
}

/** A valid synthetic NHS number (999 test range, Modulus 11 check digit) from 6 digits. */
function nhsNumber(six) {
  const nine = `999${six}`;
  const sum = [...nine].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  return check === 10 ? nhsNumber(String(Number(six) + 1).padStart(6, '0')) : `${nine}${check % 11}`;
}

/** Robin: admitted to a mental health ward, homeless, consents to Homestead's discharge service. */
export const admission = () => fixture('admission');

/** Robin, a week later: the ward plans the discharge. */
export function expectedDischarge() {
  const bundle = asEvent(fixture('admission'), 'expected-discharge');
  resource(bundle, 'Encounter').extension = [
    {
      url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
      valueDateTime: new Date(Date.now() + 7 * DAY).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
  ];
  return bundle;
}

/** Robin leaves hospital (HL7 v2 A03). */
export function discharge() {
  const bundle = asEvent(fixture('admission'), 'discharge');
  header(bundle).eventCoding = { system: 'http://terminology.hl7.org/CodeSystem/v2-0003', code: 'A03' };
  const encounter = resource(bundle, 'Encounter');
  encounter.status = 'finished';
  encounter.period.end = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  encounter.hospitalization = resource(fixture('discharge'), 'Encounter').hospitalization;
  return bundle;
}

/** Sam: a housing need is recorded, but nobody has asked Sam about sharing yet. */
export const withoutConsent = () => fixture('housing-need-identified');

/** Alex: consents, but lives in Durham, outside Homestead's catchment. */
export function outOfCatchment() {
  const bundle = fixture('admission');
  const patient = resource(bundle, 'Patient');
  patient.identifier[0].value = nhsNumber('104217');
  patient.name = [{ use: 'official', family: 'Lowther', given: ['Alex'] }];
  patient.address = [{ use: 'home', line: ['2 Claypath'], city: 'Durham', postalCode: 'DH1 1QT' }];
  patient.telecom = [{ system: 'phone', value: '07700 900456', use: 'mobile' }];
  resource(bundle, 'Encounter').identifier[0].value = 'ENC-DEMO-ALEX';
  return bundle;
}

/** Charlie: asks North Coast to refer them to Wearmouth council under the Duty to Refer. */
export function dutyToRefer() {
  const text = JSON.stringify(fixture('referral-request'))
    .replaceAll('R9R2V', 'R9N1C')
    .replaceAll('Riverside Hospitals NHS Trust (synthetic)', 'North Coast NHS Foundation Trust (synthetic)')
    .replaceAll('LTB01', 'LWM02')
    .replaceAll(
      'Tynebridge City Council housing options (synthetic)',
      'Wearmouth Borough Council housing solutions (synthetic)',
    );
  return JSON.parse(text);
}

/** Morgan: admitted with consent for Homestead (the patient of the consent-updated example). */
export function morganAdmission() {
  const bundle = fixture('admission');
  const morgan = resource(fixture('consent-updated'), 'Patient');
  const patient = resource(bundle, 'Patient');
  for (const key of ['identifier', 'name', 'birthDate', 'address', 'telecom', 'gender'])
    patient[key] = morgan[key];
  resource(bundle, 'Encounter').identifier[0].value = 'ENC-F0C0-2611';
  return bundle;
}

/** Morgan withdraws consent (a Consent with provision deny). */
export const consentWithdrawal = () => fixture('consent-updated');

/** Homestead's people on Robin's case (synthetic staff; work contact details only). */
export const WORKER = {
  name: 'Jo Example',
  role: 'Hospital housing link worker',
  phone: '0191 496 0000',
  email: 'jo.example@homestead.example',
};
export const TEAM_LEAD = { name: 'Pat Example', role: 'Team leader' };
export const CONTACTED_NOTE = 'Met Robin on the ward; looking at supported flats nearby.';
export const REPLY = 'Yes: the flat we have in mind is on the ground floor, with a level entrance.';

/** The ward's question about Robin's referral: a FHIR Communication based on its Task. */
export const question = (taskId) => ({
  resourceType: 'Communication',
  status: 'completed',
  basedOn: [{ reference: `Task/${taskId}` }],
  payload: [{ contentString: 'Robin uses a walking frame: will the flat be step-free?' }],
  sender: { display: 'Sam Ward, discharge coordinator' },
});

/** The move date Jo sets: three days from today. */
export const moveDate = () => new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
