/** Issue 10 item 3: `homeward status`, one screen with what needs attention and what to do. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { duration, renderStatus } from '../../src/cli/status-command.js';
import { parseSettings } from '../../src/config/settings.js';
import { statusReport } from '../../src/operations/status.js';
import { openStore } from '../../src/store/index.js';
import { withPartner } from '../delivery/harness.js';
import { testPartner } from '../helpers/registry.js';
import { TEST_SUBJECT_KEY, tempDir } from '../helpers/test-app.js';
import { runTraffic, trafficApp } from '../metrics/traffic.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('homeward status', () => {
  it('shows partners, the outbox, overdue referrals and dead letters', async () => {
    const dir = tempDir('homeward-status-');
    const databaseUrl = `sqlite:${join(dir, 'gateway.db')}`;
    const t = await trafficApp({ store: await openStore(databaseUrl) });
    closers.push(() => t.receiver.close());
    await runTraffic(t);
    await t.deps.store.db
      .updateTable('deliveries')
      .set({ state: 'failed', last_error: 'HTTP 410' })
      .where('channel', '=', 'webhook')
      .execute();
    const out: string[] = [];
    const settings = parseSettings({
      DATABASE_URL: databaseUrl,
      KEYS_DIR: join(dir, 'keys'),
      AUDIT_SUBJECT_KEY: TEST_SUBJECT_KEY,
    });
    expect(await runCommand(['status'], settings, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(
      0,
    );
    const screen = out.join('\n');
    expect(screen).toMatch(/^Homeward status at \S+ \(store: sqlite\)/);
    expect(screen).toMatch(
      / {2}wearmouth-council +LWM02 +local-housing-authority +recipient +delivery pull, keys inline/,
    );
    expect(screen).toContain('no partner publishes its keys by URL');
    expect(screen).toMatch(/ {2}pull +1, oldest waiting /);
    expect(screen).toMatch(/ {2}webhook +0\n/);
    expect(screen).toMatch(
      /Failed deliveries \(dead letters\): 1\n {2}\S+ {2}homegroup-discharge {2}attempts=0 {2}\S+ {2}HTTP 410/,
    );
    expect(screen).toContain('homeward deliveries replay <id> | --all-failed');
  });

  it('names agreements ending soon and partners whose keys do not answer', async () => {
    const t = await trafficApp();
    closers.push(() => t.receiver.close());
    const registry = withPartner(
      t.deps.registry,
      testPartner('remote-trust', { jwksUri: 'https://k.example/jwks' }),
    );
    const report = await statusReport(
      { ...t.deps, registry, clock: { now: () => new Date('2027-03-20T12:00:00Z') } },
      { fetch: async () => new Response('', { status: 404 }) },
    );
    const screen = renderStatus(report).join('\n');
    expect(screen).toContain(
      'dsa-north-coast-homestead-discharge v2 (north-coast-trust -> homegroup-discharge) ends 2027-03-31: 11 days left',
    );
    expect(screen).toContain('remote-trust: UNREACHABLE (HTTP 404)');
    expect(screen).toContain('Overdue referrals (past SLA, no answer): 0');
  });

  it('says how long things waited in words an operator reads at a glance', () => {
    expect([40_000, 125 * 60_000, 50 * 3_600_000].map(duration)).toEqual(['40 s', '2 h 5 min', '2 d 2 h']);
  });
});
