/**
 * Start the gateway: read env (the only place besides the CLI entry that does), load and
 * check the registry and keys, open the store, listen; on SIGTERM/SIGINT stop accepting,
 * let in-flight requests finish, then close the store (conventions 1).
 */
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { startCheckpointTimer } from './audit/checkpoint.js';
import { KeysError } from './auth/keys.js';
import { RegistryError } from './config/registry-types.js';
import { parseSettings, SettingsError } from './config/settings.js';
import { buildDeps, closeDeps, type Deps, deliveryWorkerFor } from './deps.js';
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
  let deps: Deps;
  try {
    deps = await buildDeps(settings, logger, process.env);
  } catch (err) {
    return startupFailed(err);
  }
  const app = createApp(deps);
  const server = app.listen(settings.port);
  const stopCheckpoints = startCheckpointTimer(deps, settings.auditCheckpointIntervalMs);
  const worker = deliveryWorkerFor(deps, process.env);
  server.on('listening', () => {
    // DELIVERY_POLL_MS=0 runs no worker here (another process delivers: claims are safe to share).
    if (settings.delivery.pollMs > 0) worker.start();
    const { registry } = deps;
    logger.info(
      {
        port: settings.port,
        store: deps.store.dialect,
        partners: registry.partners.size,
        agreements: registry.agreements.length,
      },
      `homeward listening on ${settings.publicUrl}`,
    );
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'HTTP server error');
    process.exit(1);
  });
  const stop = once(async (signal: string) => {
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
    const forced = setTimeout(() => {
      logger.warn('shutdown timeout reached: closing remaining connections');
      server.closeAllConnections();
    }, settings.shutdownTimeoutMs);
    forced.unref();
    await closeServer(server);
    stopCheckpoints();
    // Sends in flight finish and are recorded (each bounded by WEBHOOK_TIMEOUT_MS) before the
    // store closes; a kill before that leaves them leased, to be retried (src/delivery/worker.ts).
    await worker.stop();
    await closeDeps(deps);
    clearTimeout(forced);
    logger.info('stopped');
    process.exit(0);
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
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
    err instanceof ProfilesError;
  process.stderr.write(
    `homeward: cannot start.\n${known ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
  );
  process.exitCode = 1;
}

await main();
