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

async function list(deps: ReplayDeps, state: string | undefined, io: CliIo): Promise<number> {
  const known = DELIVERY_STATES.find((s) => s === state);
  if (state !== undefined && !known) {
    io.err(`homeward: --state must be one of ${DELIVERY_STATES.join(', ')}`);
    return 2;
  }
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

/** What `deliveries replay` acts on: one delivery, or every dead letter. */
export type ReplayTarget = { id: string } | { allFailed: true };

async function replay(deps: ReplayDeps, target: ReplayTarget, io: CliIo): Promise<number> {
  const now = systemClock.now();
  if ('allFailed' in target) {
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
  const { id } = target;
  const result = await replayDelivery(deps, id, 'gateway', now);
  if (result === 'replayed') {
    io.out(`Replayed ${id}: pending again, attempts reset`);
    return 0;
  }
  io.err(
    result === 'not-found'
      ? `No delivery ${id}`
      : `Delivery ${id} is not failed; only dead letters are replayed`,
  );
  return 1;
}

async function withDeps(settings: Settings, fn: (deps: ReplayDeps) => Promise<number>): Promise<number> {
  const deps: ReplayDeps = {
    store: await openStore(settings.databaseUrl),
    audit: createAuditLog({ clock: systemClock, subjectKey: loadSubjectKey(settings) }),
  };
  try {
    return await fn(deps);
  } finally {
    await deps.store.close();
  }
}

/** `deliveries list [--state <state>]` (options parsed by commander in src/cli/commands.ts). */
export function deliveriesList(settings: Settings, state: string | undefined, io: CliIo): Promise<number> {
  return withDeps(settings, (deps) => list(deps, state, io));
}

/** `deliveries replay <id>|--all-failed`. */
export function deliveriesReplay(settings: Settings, target: ReplayTarget, io: CliIo): Promise<number> {
  return withDeps(settings, (deps) => replay(deps, target, io));
}
