/**
 * Signed checkpoints of the chain head (issue 5 item 3). A hash chain alone cannot show that its
 * newest entries were removed (the shorter chain is still valid); a checkpoint signed by the
 * gateway key and kept elsewhere (the IG lead's records, a ticket, an email) can: the entry at
 * its seq must still exist with the same hash, and the chain up to it must verify.
 *
 * Format: compact JWS (RFC 7515), alg EdDSA (RFC 8037), header { alg, kid, typ }, payload
 * { seq, hash, at, entries }; verifiable with the public keys at /.well-known/jwks.json.
 */
import { CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { KeyRing } from '../auth/keys.js';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import type { Db, Store } from '../store/index.js';
import { lockAuditChain, readChainHead } from './audit-log.js';
import { GENESIS_HASH } from './canonical.js';
import { visibleSummary } from './query.js';
import type { AuditVisibility, ChainVerification, Checkpoint, CheckpointPayload } from './types.js';
import { verifyChain } from './verify.js';

export const CHECKPOINT_TYP = 'homeward-audit-checkpoint+jws';

export interface CheckpointDeps {
  store: Store;
  keys: KeyRing;
  clock: Clock;
  ids: Ids;
}

/**
 * Sign the current head and keep the checkpoint in `audit_checkpoints`. With a `partners`
 * visibility (an auditor without gateway-wide figures, issue 17 item 8) the checkpoint is of the
 * newest entry that auditor can see instead: it pins the chain up to there (its `entries` is that
 * prefix's length, which the entry's own seq already shows) and says nothing of later activity.
 * It verifies like any other; the gateway-wide checkpoints, of higher seqs, stay the latest.
 */
export async function takeCheckpoint(
  deps: CheckpointDeps,
  visibility: AuditVisibility = { kind: 'all' },
): Promise<Checkpoint> {
  return deps.store.transaction(async (tx) => {
    // Same lock as append: the head read and the insert must not race another writer.
    await lockAuditChain(tx);
    const head =
      visibility.kind === 'all' ? await readChainHead(tx) : (await visibleSummary(tx, visibility)).head;
    const seq = head?.seq ?? 0;
    const count = await tx
      .selectFrom('audit')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('seq', '<=', seq)
      .executeTakeFirst();
    const payload: CheckpointPayload = {
      seq,
      hash: head?.hash ?? GENESIS_HASH,
      at: deps.clock.now().toISOString(),
      entries: Number(count?.n ?? 0),
    };
    const { kid, privateKey, alg } = deps.keys.active;
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg, kid, typ: CHECKPOINT_TYP })
      .sign(privateKey);
    await tx
      .insertInto('audit_checkpoints')
      .values({ id: deps.ids.next(), ...payload, kid, jws })
      .execute();
    return { ...payload, kid, jws };
  });
}

export async function latestCheckpoint(db: Db): Promise<Checkpoint | undefined> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .orderBy('seq', 'desc')
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    seq: Number(row.seq),
    hash: row.hash,
    at: row.at,
    entries: Number(row.entries),
    kid: row.kid,
    jws: row.jws,
  };
}

export type CheckpointVerification =
  | { ok: true; checkpoint: CheckpointPayload }
  | { ok: false; problem: string; firstBrokenSeq?: number; checkpoint?: CheckpointPayload };

function isPayload(v: unknown): v is CheckpointPayload {
  const p = v as Partial<CheckpointPayload> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    Number.isSafeInteger(p.seq) &&
    Number.isSafeInteger(p.entries) &&
    typeof p.hash === 'string' &&
    typeof p.at === 'string'
  );
}

/** Does the table still hold what `checkpointJws` says it held? Proves truncation or rewriting. */
export async function verifyAgainstCheckpoint(
  db: Db,
  checkpointJws: string,
  keys: KeyRing | JSONWebKeySet,
  /** A full-chain verification already done (GET /audit/verify): saves a second pass when it held. */
  verified?: ChainVerification,
): Promise<CheckpointVerification> {
  // Keys removed by rotation still verify the checkpoints they signed (src/auth/key-rotation.ts).
  const jwks = 'jwks' in keys ? { keys: [...keys.jwks().keys, ...keys.retiredJwks()] } : keys;
  let payload: unknown;
  try {
    const { payload: bytes, protectedHeader } = await compactVerify(
      checkpointJws.trim(),
      createLocalJWKSet(jwks),
      {
        algorithms: ['EdDSA'],
      },
    );
    if (protectedHeader.typ !== CHECKPOINT_TYP) return { ok: false, problem: 'not an audit checkpoint' };
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { ok: false, problem: 'checkpoint signature does not verify with the gateway keys' };
  }
  if (!isPayload(payload)) return { ok: false, problem: 'checkpoint payload is malformed' };
  const checkpoint = payload;
  if (checkpoint.seq === 0) return { ok: true, checkpoint };
  const entry = await db
    .selectFrom('audit')
    .select(['seq', 'hash'])
    .where('seq', '=', checkpoint.seq)
    .executeTakeFirst();
  // A valid chain of n entries holds seq 1..n, so its prefix up to seq has min(n, seq) entries.
  const chain: ChainVerification = verified?.ok
    ? { ...verified, entries: Math.min(verified.entries, checkpoint.seq) }
    : await verifyChain(db, { upTo: checkpoint.seq });
  if (!entry) {
    const first = chain.ok ? chain.entries + 1 : (chain.firstBrokenSeq ?? checkpoint.seq);
    return {
      ok: false,
      checkpoint,
      firstBrokenSeq: first,
      problem: `entry ${checkpoint.seq} named by the checkpoint is missing: the log was truncated`,
    };
  }
  if (!chain.ok)
    return {
      ok: false,
      checkpoint,
      firstBrokenSeq: chain.firstBrokenSeq,
      problem: chain.problem ?? 'chain broken',
    };
  if (entry.hash !== checkpoint.hash || chain.entries !== checkpoint.entries) {
    return {
      ok: false,
      checkpoint,
      firstBrokenSeq: checkpoint.seq,
      problem: `entry ${checkpoint.seq} differs from the checkpoint: the log was rewritten`,
    };
  }
  return { ok: true, checkpoint };
}

/** Checkpoint only when the head moved since the last one: an idle gateway adds nothing. */
export async function checkpointIfChanged(deps: CheckpointDeps): Promise<Checkpoint | undefined> {
  const last = await latestCheckpoint(deps.store.db);
  const head = await readChainHead(deps.store.db);
  if (!head || (last && last.seq === head.seq && last.hash === head.hash)) return undefined;
  return takeCheckpoint(deps);
}

/**
 * Periodic checkpoints (started by main.ts). Returns a stop function; 0 disables. The timer is
 * unref'd so it never keeps the process alive, and never overlaps itself.
 */
export function startCheckpointTimer(
  deps: CheckpointDeps & { logger: { error(obj: object, msg: string): void } },
  intervalMs: number,
): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void checkpointIfChanged(deps)
      .catch((err: unknown) => deps.logger.error({ err }, 'audit checkpoint failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
