/**
 * For the multi-process test (issue 9 item 6): synthetic admissions, the gateways' shared
 * environment, and a load generator that spreads messages over live gateways and re-sends a
 * message whose gateway died under it (as a trust's integration engine retries: same message id).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nhsCheckDigit } from '../../src/fhir/nhs-number.js';
import { type JsonObject, patch, request } from '../ingest/fixtures.js';

/** NHS numbers from the 999 test range with a valid Modulus 11 check digit, each once. */
export function* syntheticNhsNumbers(): Generator<string> {
  for (let n = 0; n < 1_000_000; n++) {
    const nine = `999${String(n).padStart(6, '0')}`;
    const check = nhsCheckDigit(nine);
    if (check !== undefined) yield `${nine}${check}`;
  }
}

/**
 * The admission fixture as a new message: its own MessageHeader id (the idempotency key), Bundle
 * id, Encounter identifier (so its own referral) and NHS number; the consent open-ended so the
 * test does not expire with the fixture's dates.
 */
export function syntheticAdmission(n: number, nhsNumber: string): string {
  const bundle = request('admission');
  const entries = bundle.entry as Array<{ fullUrl: string; resource: JsonObject }>;
  const headerId = randomUUID();
  patch(bundle, 'id', randomUUID());
  patch(bundle, 'entry.0.fullUrl', `urn:uuid:${headerId}`);
  patch(bundle, 'entry.0.resource.id', headerId);
  for (const [i, e] of entries.entries()) {
    const type = e.resource.resourceType;
    if (type === 'Patient') patch(bundle, `entry.${i}.resource.identifier.0.value`, nhsNumber);
    if (type === 'Encounter') patch(bundle, `entry.${i}.resource.identifier.0.value`, `ENC-MP-${n}`);
    if (type === 'Consent') patch(bundle, `entry.${i}.resource.provision.period.end`, '2099-12-31');
  }
  return JSON.stringify(bundle);
}

/** A consent folder whose Homestead webhook is `url`, with its agreement in force to 2099. */
export function consentFor(dir: string, url: string): string {
  const consent = join(dir, 'consent');
  cpSync('consent', consent, { recursive: true });
  const partner = join(consent, 'partners', 'homegroup-discharge.yaml');
  writeFileSync(
    partner,
    readFileSync(partner, 'utf8').replace(/url: http:\/\/127\.0\.0\.1:9900\S*/, `url: ${url}`),
  );
  const agreement = join(consent, 'agreements', 'dsa-north-coast-homestead-discharge.v2.yaml');
  writeFileSync(agreement, readFileSync(agreement, 'utf8').replace('to: "2027-03-31"', 'to: "2099-12-31"'));
  return consent;
}

export interface Job {
  /** Index of the distinct message. */
  message: number;
  body: string;
  /** Gateway to try first (a duplicate goes to another than its original's). */
  prefer: number;
}

/**
 * `count` distinct admissions, first to gateway n % gateways, plus a duplicate of every tenth
 * message a few places after it (often while it is still in flight) to ANOTHER gateway.
 */
export function jobsFor(count: number, gateways: number): Job[] {
  const numbers = syntheticNhsNumbers();
  const jobs: Job[] = [];
  for (let n = 0; n < count; n++) {
    jobs.push({
      message: n,
      body: syntheticAdmission(n, numbers.next().value as string),
      prefer: n % gateways,
    });
  }
  for (let n = 0; n < count; n += 10) {
    const original = jobs.find((j) => j.message === n) as Job;
    const at = Math.min(jobs.indexOf(original) + 1 + (n % 7), jobs.length);
    jobs.splice(at, 0, { ...original, prefer: (original.prefer + 1) % gateways });
  }
  return jobs;
}

export interface Answer {
  job: Job;
  status: number;
  body: string;
  /** Gateways tried, the last one answered. */
  tried: number[];
}

export interface Gateways {
  urls: string[];
  alive(i: number): boolean;
}

/**
 * Send `jobs` with `concurrency` requests in flight. A request that fails at the network level
 * (its gateway was killed) goes to the next live gateway. `onProgress(sent)` runs as jobs start.
 */
export async function sendAll(
  jobs: Job[],
  gateways: Gateways,
  authorization: string,
  concurrency: number,
  onProgress: (started: number) => void = () => {},
): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      onProgress(next);
      const tried: number[] = [];
      let answer: Answer = { job, status: 0, body: 'no gateway answered', tried };
      for (let k = 0; k < gateways.urls.length * 2 && answer.status === 0; k++) {
        const g = (job.prefer + k) % gateways.urls.length;
        if (!gateways.alive(g)) continue;
        tried.push(g);
        try {
          const res = await fetch(`${gateways.urls[g]}/fhir/$process-message`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/fhir+json' },
            body: job.body,
          });
          answer = { job, status: res.status, body: await res.text(), tried };
        } catch {
          // Connection refused or reset: that gateway is gone; try the next one.
        }
      }
      answers.push(answer);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return answers;
}

export async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
