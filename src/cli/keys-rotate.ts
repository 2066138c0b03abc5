/**
 * `homeward keys rotate` (issue 10 item 3): a new signing key, published at once and signing
 * from a moment later; the previous key retired and, past the life of anything it signed,
 * removed (src/auth/key-rotation.ts says why each step waits). Recorded in the audit as
 * `keys-rotated` (key ids and times only): the keys sign the audit checkpoints IG leads rely on,
 * so when they changed is part of that record. The store is opened before anything is rotated,
 * so an unreachable database stops the command with the keys untouched.
 */
import { createAuditLog } from '../audit/audit-log.js';
import { loadSubjectKey } from '../audit/subject.js';
import { KEY_RELOAD_MS, rotateSigningKeys } from '../auth/key-rotation.js';
import { KeysError } from '../auth/keys.js';
import type { Settings } from '../config/settings.js';
import { openStore } from '../store/index.js';
import type { CliIo } from './commands.js';

export async function keysRotate(settings: Settings, io: CliIo, now = new Date()): Promise<number> {
  const store = await openStore(settings.databaseUrl, settings.database);
  const audit = createAuditLog({ clock: { now: () => now }, subjectKey: loadSubjectKey(settings) });
  try {
    return await rotateAndRecord(settings, io, now, async (detail) => {
      await store.transaction((tx) => audit.append(tx, { action: 'keys-rotated', actor: 'gateway', detail }));
    });
  } finally {
    await store.close();
  }
}

async function rotateAndRecord(
  settings: Settings,
  io: CliIo,
  now: Date,
  record: (detail: Record<string, unknown>) => Promise<void>,
): Promise<number> {
  let r: Awaited<ReturnType<typeof rotateSigningKeys>>;
  try {
    r = await rotateSigningKeys(settings.keysDir, now);
  } catch (err) {
    if (!(err instanceof KeysError)) throw err;
    io.err(err.message);
    return 1;
  }
  try {
    await record({
      kid: r.kid,
      activatesAt: r.activatesAt,
      retired: r.retired.map((k) => ({ kid: k.kid, removableAfter: k.removableAfter })),
      removed: r.removed,
    });
  } catch (err) {
    io.err(
      `The keys were rotated (new key ${r.kid}) but the audit entry could not be written: ${(err as Error).message}. Record the rotation by hand for your IG lead.`,
    );
    return 1;
  }
  io.out(
    `New signing key ${r.kid}: published now, signs from ${r.activatesAt} (running gateways reload their keys every ${KEY_RELOAD_MS / 1000} s, so all of them know it first).`,
  );
  for (const k of r.retired) {
    io.out(
      `Retired ${k.kid} at ${k.retiredAt}: stays published until ${k.removableAfter}; the first rotation after that removes it.`,
    );
  }
  for (const kid of r.removed) {
    io.out(
      `Removed ${kid}: private key deleted; public key kept in ${settings.keysDir}/retired/ to verify old audit checkpoints.`,
    );
  }
  io.out('Recorded in the audit (action keys-rotated).');
  return 0;
}
