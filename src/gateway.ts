/**
 * A running gateway: HTTP server, delivery worker, timers (audit checkpoints, key reloads, daily
 * checks) and the optional metrics listener, started together and stopped in order. main.ts runs
 * one from the environment; the demo (demo/) runs one in-process. Nothing here reads env.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { startCheckpointTimer } from './audit/checkpoint.js';
import { KEY_RELOAD_MS } from './auth/key-rotation.js';
import type { Settings } from './config/settings.js';
import { buildDeps, closeDeps, type Deps, deliveryWorkerFor } from './deps.js';
import { metricsServer } from './http/metrics-server.js';
import { createApiServer } from './http/server-limits.js';
import type { Logger } from './log.js';
import { startDailyChecks } from './operations/daily-checks.js';

export interface RunningGateway {
  deps: Deps;
  server: Server;
  /** The port the API listens on (PORT, or the one the system chose for PORT=0). */
  port: number;
  /** Stop accepting, let in-flight work finish (forced after SHUTDOWN_TIMEOUT_MS), close the store. */
  stop(): Promise<void>;
}

/** A port that cannot be bound (in use, not permitted): the operator's to fix, said plainly. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listen(server: Server, port: number, host: string | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(new ListenError(`Cannot listen on ${what} port ${port}: ${err.code ?? err.message}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** 127.0.0.0/8, ::1 and localhost: the metrics port is then only reachable from this machine. */
function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

export async function runGateway(
  settings: Settings,
  logger: Logger,
  /** Where `env:` secret references are read (main.ts passes process.env). */
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<RunningGateway> {
  const deps = await buildDeps(settings, logger, env);
  const server = createApiServer(createApp(deps));
  const { metricsPort, metricsHost, metricsToken } = settings.operations;
  const metrics =
    metricsPort === undefined ? undefined : metricsServer(deps.metrics, logger, { token: metricsToken });
  if (metrics && metricsToken === undefined && !isLoopbackHost(metricsHost)) {
    logger.warn(
      { metricsHost },
      "metrics listener is reachable beyond loopback without METRICS_TOKEN: anyone who can reach it reads every partner's counts",
    );
  }
  try {
    await listen(server, settings.port, undefined, 'the API');
    if (metrics && metricsPort !== undefined) await listen(metrics, metricsPort, metricsHost, 'the metrics');
  } catch (err) {
    // Nothing started yet but the store: close it so the process can exit.
    if (server.listening) await closeServer(server);
    await closeDeps(deps);
    throw err;
  }
  server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
  const stopCheckpoints = startCheckpointTimer(deps, settings.auditCheckpointIntervalMs);
  // Picks up `homeward keys rotate` run elsewhere (src/auth/key-rotation.ts).
  const keyReload = setInterval(() => {
    deps.keys.reload().catch((err: unknown) => logger.error({ err }, 'signing keys could not be reloaded'));
  }, KEY_RELOAD_MS);
  keyReload.unref();
  const worker = deliveryWorkerFor(deps, env);
  // DELIVERY_POLL_MS=0 runs no worker here (another process delivers: claims are safe to share).
  if (settings.delivery.pollMs > 0) worker.start();
  const daily = startDailyChecks(deps);
  const port = (server.address() as AddressInfo).port;
  logger.info(
    {
      port,
      store: deps.store.dialect,
      partners: deps.registry.partners.size,
      agreements: deps.registry.agreements.length,
      ...(metricsPort !== undefined ? { metrics: `${metricsHost}:${metricsPort}` } : {}),
    },
    `homeward listening on ${settings.publicUrl}`,
  );
  return {
    deps,
    server,
    port,
    async stop() {
      const forced = setTimeout(() => {
        logger.warn('shutdown timeout reached: closing remaining connections');
        server.closeAllConnections();
      }, settings.shutdownTimeoutMs);
      forced.unref();
      await Promise.all([closeServer(server), metrics ? closeServer(metrics) : undefined]);
      stopCheckpoints();
      clearInterval(keyReload);
      await daily.stop();
      // Sends in flight finish and are recorded (each bounded by WEBHOOK_TIMEOUT_MS) before the
      // store closes; a kill before that leaves them leased, to be retried (src/delivery/worker.ts).
      await worker.stop();
      await closeDeps(deps);
      clearTimeout(forced);
    },
  };
}
