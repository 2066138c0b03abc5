/**
 * Issue 10 item 5 acceptance: `npm run demo` tells the whole story and ends with a verified audit
 * chain, in well under a minute. Runs demo/run.mjs in a child process on the compiled gateway
 * (dist/, built by the test global setup, as `npm install` builds it on a fresh clone).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['demo/run.mjs'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('npm run demo', () => {
  it('tells the story step by step and ends with a verified audit chain', { timeout: 60_000 }, async () => {
    const run = await runDemo();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(60_000);
    const lines = [
      'North Coast NHS FT sends an admission (HL7 v2 A01) for Robin',
      'Gateway: PERMIT for Homestead Housing Association hospital discharge service (synthetic)',
      'Why: agreement dsa-north-coast-homestead-discharge v2',
      "Homestead's webhook receives referral.created (version 1): signature verified with standardwebhooks.",
      'Disclosed (field names, not values): name, contactDetails',
      'homegroup-discharge answers: accepted (recorded by Pat Example).',
      // Issue 19 item 7: the named worker, two milestones, a question and its answer.
      'PUT /referrals/',
      'Jo Example, Hospital housing link worker (work phone and email for the ward).',
      'homegroup-discharge answers: contacted (recorded by Jo Example).',
      'homegroup-discharge answers: assessed (recorded by Jo Example).',
      "The ward's Task shows who is on the case: Homestead Housing Association hospital discharge service (synthetic): Jo Example, Hospital housing link worker.",
      'Steps so far, in order: queued -> delivered -> accepted -> named-worker -> contacted -> assessed.',
      'Homestead\'s webhook receives referral.message: "Robin uses a walking frame: will the flat be step-free?"',
      'North Coast reads the answer (GET /fhir/Communication?based-on=Task/',
      'ground floor, with a level entrance',
      "Homestead's webhook receives referral.updated (version 2)",
      'Gateway: WITHHELD from Homestead Housing Association hospital discharge service (synthetic): consent-missing',
      'Gateway: WITHHELD from Homestead Housing Association hospital discharge service (synthetic): out-of-catchment',
      'Gateway: PERMIT for Wearmouth Borough Council housing solutions (synthetic)',
      "Wearmouth's system checks its inbox (GET /referrals?status=new): 1 new referral.",
      'this first read is the disclosure',
      "Homestead's webhook receives referral.consent-withdrawn",
      'Disclosed (field names, not values): referralId.',
      // The discharge with destination, moved in, completed.
      'The update says why (discharge) and what changed: expectedDischargeDate, dischargeDateTime, dischargeDestination.',
      'destination code 29 (UK Core discharge destination).',
      'homegroup-discharge answers: moved-in (recorded by Jo Example).',
      'homegroup-discharge answers: completed, outcome supported-accommodation (recorded by Jo Example).',
      'Steps so far, in order: queued -> delivered -> accepted -> named-worker -> contacted -> assessed -> move-date-set -> move-date -> moved-in -> completed.',
      'wearmouth-council answers: completed, outcome temporary-accommodation.',
      'Disclosures: 8; withheld: 2; consent withdrawals: 1.',
      'GET /audit/verify: audit chain verified',
    ];
    for (const line of lines) expect(run.stdout, line).toContain(line);
    expect(run.stdout).toMatch(/North Coast reads Task \S+: cancelled\./);
    expect(run.stdout).toMatch(/North Coast reads Task \S+: completed \(outcome supported-accommodation\)\./);
    // Field names only: the story calls people by first name, and shows none of their data.
    for (const value of [
      '9990079196',
      '9990554331',
      'Ashworth',
      'NE6 1AA',
      '07700 900123',
      'Dunmore',
      'Tait',
    ]) {
      expect(run.stdout.includes(value) ? value : '').toBe('');
    }
  });
});
