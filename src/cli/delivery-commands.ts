/**
 * `homeward deliveries list [--state <state>]` and `homeward deliveries replay <id>|--all-failed`
 * (issue 8 item 2). The CLI acts as the operator: it sees every delivery, and each replay is
 * audited (`status-changed`, detail `replayed`) with actor `gateway`.
 */
import { createAuditLog } from '../audit/audit-log.js';
import { loadSubjectKey } from '../audit/subject.js';
import { systemClock } from '../clock.js';
import type { Settings } from '../config/settings.js';
import { type ReplayDeps, replayAllFailed, replayDelivery } from '../delivery/dead-letters.js';
import { DELIVERY_STATES, listDeliveries } from '../delivery/delivery-list.js';
import { MAX_LIMIT } from '../delivery/list-params.js';
import { type Cursor, decodeCursor } from '../delivery/page-cursor.js';
import { openStore } from '../store/index.js';
import type { CliIo } from './commands.js';
import { noProgress, progress } from './progress.js';

export const DELIVERIES_USAGE = `  deliveries list [--state pending|in-flight|delivered|failed|cancelled]
                   list webhook and inbox deliveries (dead letters: --state failed)
  deliveries replay <id>|--all-failed
                   put a dead-lettered delivery (or all of them) back in the queue, audited`;

function usage(io: CliIo): number {
  io.err(`homeward: usage:\n${DELIVERIES_USAGE}`);
  return 2;
}

async function list(deps: ReplayDeps, state: string | undefined, io: CliIo): Promise<number> {
  const known = DELIVERY_STATES.find((s) => s === state);
  if (state !== undefined && !known) return usage(io);
  let after: Cursor | undefined;
  let count = 0;
  do {
    const page = await listDeliveries(deps.store.db, {
      visibility: { kind: 'all' },
      limit: MAX_LIMIT,
      ...(known ? { state: known } : {}),
      ...(after ? { after } : {}),
    });
    for (const d of page.deliveries) {
      count++;
      io.out(
        [
          d.id,
          d.state,
          d.kind,
          d.channel,
          d.recipient,
          `attempts=${d.attempts}`,
          d.updatedAt,
          d.lastError ?? '',
        ]
          .join('\t')
          .trimEnd(),
      );
    }
    after = page.nextCursor ? decodeCursor(page.nextCursor) : undefined;
  } while (after);
  io.err(`${count} deliver${count === 1 ? 'y' : 'ies'}`);
  return 0;
}

async function replay(deps: ReplayDeps, target: string, io: CliIo): Promise<number> {
  const now = systemClock.now();
  if (target === '--all-failed') {
    let shown = noProgress;
    const done = await replayAllFailed(deps, 'gateway', now, {
      total: (n) => {
        shown = progress(io.progress, 'Replaying dead letters', n);
      },
      advance: () => shown.advance(),
    });
    shown.done();
    io.out(`Replayed ${done.length} failed deliver${done.length === 1 ? 'y' : 'ies'}`);
    return 0;
  }
  const result = await replayDelivery(deps, target, 'gateway', now);
  if (result === 'replayed') {
    io.out(`Replayed ${target}: pending again, attempts reset`);
    return 0;
  }
  io.err(
    result === 'not-found'
      ? `No delivery ${target}`
      : `Delivery ${target} is not failed; only dead letters are replayed`,
  );
  return 1;
}

export async function deliveriesCommand(
  action: string | undefined,
  args: string[],
  settings: Settings,
  io: CliIo,
): Promise<number> {
  const isList = action === 'list' && (args.length === 0 || (args.length === 2 && args[0] === '--state'));
  const isReplay = action === 'replay' && args.length === 1;
  if (!isList && !isReplay) return usage(io);
  const deps: ReplayDeps = {
    store: await openStore(settings.databaseUrl),
    audit: createAuditLog({ clock: systemClock, subjectKey: loadSubjectKey(settings) }),
  };
  try {
    return isList ? await list(deps, args[1], io) : await replay(deps, args[0] ?? '', io);
  } finally {
    await deps.store.close();
  }
}
