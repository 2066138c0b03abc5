/**
 * `homeward keys rotate` (issue 10 item 3): a new signing key, published at once and signing
 * from a moment later; the previous key retired and, past the life of anything it signed,
 * removed (src/auth/key-rotation.ts says why each step waits).
 */
import { KEY_RELOAD_MS, rotateSigningKeys } from '../auth/key-rotation.js';
import { KeysError } from '../auth/keys.js';
import type { Settings } from '../config/settings.js';
import type { CliIo } from './commands.js';

export async function keysRotate(settings: Settings, io: CliIo, now = new Date()): Promise<number> {
  let r: Awaited<ReturnType<typeof rotateSigningKeys>>;
  try {
    r = await rotateSigningKeys(settings.keysDir, now);
  } catch (err) {
    if (!(err instanceof KeysError)) throw err;
    io.err(err.message);
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
  return 0;
}
