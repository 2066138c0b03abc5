/**
 * Start the gateway: read env (the only place besides the CLI entry that does), then run it
 * (gateway.ts: registry and keys checked, store opened, server, worker and timers started); on
 * SIGTERM/SIGINT stop accepting, let in-flight work finish, then close the store (conventions 1).
 */
import { KeysError } from './auth/keys.js';
import { RegistryError } from './config/registry-types.js';
import { parseSettings, SettingsError } from './config/settings.js';
import { ListenError, type RunningGateway, runGateway } from './gateway.js';
import { ProfilesError } from './ingest/profiles.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(process.env);
  } catch (err) {
    return startupFailed(err);
  }
  const logger = createLogger(settings.logLevel);
  let gateway: RunningGateway;
  try {
    gateway = await runGateway(settings, logger, process.env);
  } catch (err) {
    return startupFailed(err);
  }
  const stop = once(async (signal: string) => {
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
    await gateway.stop();
    logger.info('stopped');
    process.exit(0);
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function once<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let called = false;
  return async (...args) => {
    if (called) return;
    called = true;
    await fn(...args);
  };
}

/** Configuration problems are the operator's to fix: say what and where, no stack trace. */
function startupFailed(err: unknown): void {
  const known =
    err instanceof SettingsError ||
    err instanceof RegistryError ||
    err instanceof KeysError ||
    err instanceof ProfilesError ||
    err instanceof ListenError;
  process.stderr.write(
    `homeward: cannot start.\n${known ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
  );
  process.exitCode = 1;
}

await main();
