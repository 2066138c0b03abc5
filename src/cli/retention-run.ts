/**
 * `homeward retention run` (issue 10 item 2): the purge the gateway runs daily, on demand (e.g.
 * from cron when no gateway process runs the daily checks, or after lowering a retention
 * setting). Audited like the daily run, with actor `gateway`.
 */
import { createAuditLog } from '../audit/audit-log.js';
import { loadSubjectKey } from '../audit/subject.js';
import { systemClock } from '../clock.js';
import type { Settings } from '../config/settings.js';
import { purgedAnything, purgeExpired } from '../retention/retention.js';
import { openStore } from '../store/index.js';
import type { CliIo } from './commands.js';

export async function retentionRun(settings: Settings, io: CliIo): Promise<number> {
  const store = await openStore(settings.databaseUrl, settings.database);
  const audit = createAuditLog({ clock: systemClock, subjectKey: loadSubjectKey(settings) });
  try {
    const { retentionDays, referralRetentionDays } = settings.operations;
    const r = await purgeExpired(
      { store, audit },
      { retentionDays, referralRetentionDays, now: systemClock.now() },
    );
    io.out(
      `Raw messages received before ${r.messagesReceivedBefore} (RETENTION_DAYS=${retentionDays}): ${r.events} purged`,
    );
    io.out(
      `Referrals ended before ${r.referralsEndedBefore} (REFERRAL_RETENTION_DAYS=${referralRetentionDays}): ${r.referrals} datasets, ${r.deliveries} sent messages, the free text of ${r.answers} provider answers and of ${r.messages} conversation messages, and the facts and notes of ${r.steps} referral steps purged`,
    );
    io.out(purgedAnything(r) ? 'Recorded in the audit (action purged).' : 'Nothing was due.');
    return 0;
  } finally {
    await store.close();
  }
}
