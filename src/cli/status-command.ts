/**
 * `homeward status` (issue 10 item 3): one screen for the operator on duty. Each section says
 * what to do next when something needs attention. Plain text, no colours: it is also pasted
 * into tickets and read in cron mail.
 */
import { systemClock } from '../clock.js';
import { loadRegistry } from '../config/registry.js';
import { RegistryError } from '../config/registry-types.js';
import type { Settings } from '../config/settings.js';
import { EXPIRY_WARNING_DAYS } from '../operations/agreement-expiry.js';
import { type StatusReport, statusReport } from '../operations/status.js';
import { openStore } from '../store/index.js';
import type { CliIo } from './commands.js';

/** `3 d 4 h`, `2 h 5 min`, `40 s`: how long something has waited. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function renderStatus(r: StatusReport): string[] {
  const now = Date.parse(r.at);
  const lines = [`Homeward status at ${r.at} (store: ${r.store})`, '', `Partners (${r.partners.length}):`];
  for (const p of r.partners) {
    lines.push(
      `  ${p.id.padEnd(24)} ${p.odsCode.padEnd(8)} ${p.kind.padEnd(24)} ${p.roles.join(',').padEnd(16)} delivery ${p.delivery}, keys ${p.keys}`,
    );
  }
  lines.push('', `Agreements ending within ${EXPIRY_WARNING_DAYS} days with no next version:`);
  if (r.ending.length === 0) lines.push('  none');
  for (const a of r.ending) {
    lines.push(
      `  ${a.id} v${a.version} (${a.discloser} -> ${a.recipient}) ends ${a.endsOn}: ${a.daysLeft} days left; renew it or add the next version`,
    );
  }
  lines.push('', 'Partner key URLs (jwksUri):');
  const remote = r.partners.filter((p) => p.keys === 'jwksUri').length;
  if (remote === 0) lines.push('  no partner publishes its keys by URL');
  else if (r.unreachableKeys.length === 0) lines.push(`  all ${remote} answered with keys`);
  for (const k of r.unreachableKeys)
    lines.push(
      `  ${k.partner}: UNREACHABLE (${k.problem ?? 'no answer'}); its tokens fail once cached keys expire`,
    );
  lines.push('', 'Outbox (not yet delivered):');
  for (const c of r.state.outbox) {
    const oldest = c.oldestQueuedAt ? `, oldest waiting ${duration(now - Date.parse(c.oldestQueuedAt))}` : '';
    lines.push(`  ${c.channel.padEnd(8)} ${c.depth}${oldest}`);
  }
  lines.push(
    '',
    `Overdue referrals (past SLA, no answer): ${r.state.overdue}${r.state.overdue > 0 ? ' (GET /admin/referrals/overdue lists them)' : ''}`,
  );
  lines.push('', `Failed deliveries (dead letters): ${r.state.failedDeliveries}`);
  for (const d of r.failed) {
    lines.push(
      `  ${d.id}  ${d.recipient}  attempts=${d.attempts}  ${d.updatedAt}  ${d.lastError ?? ''}`.trimEnd(),
    );
  }
  if (r.state.failedDeliveries > r.failed.length)
    lines.push(
      `  ... ${r.state.failedDeliveries - r.failed.length} more: homeward deliveries list --state failed`,
    );
  if (r.state.failedDeliveries > 0)
    lines.push('  fix the cause, then: homeward deliveries replay <id> | --all-failed');
  return lines;
}

export async function statusCommand(settings: Settings, io: CliIo): Promise<number> {
  let registry: ReturnType<typeof loadRegistry>;
  try {
    registry = loadRegistry(settings.consentDir);
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    io.err(err.message);
    return 1;
  }
  const store = await openStore(settings.databaseUrl, settings.database);
  try {
    for (const line of renderStatus(await statusReport({ store, registry, clock: systemClock })))
      io.out(line);
    return 0;
  } finally {
    await store.close();
  }
}
