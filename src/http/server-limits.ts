/**
 * Limits of the API's HTTP server against slow clients (slow-loris: a client that sends its
 * headers or body a few bytes at a time holds a connection, and enough of them exhaust the
 * process). Node answers 408 and closes a connection whose headers or whole request take longer
 * than these, checking every `checkIntervalMs`. Node's own defaults (60 s for headers, 300 s for
 * a request) are far above what a 1 MB JSON body needs.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
  /** Header lines beyond this are ignored (Node's default is 2000). */
  maxHeadersCount: number;
}

export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  // 1 MB at 35 KB/s: generous for a trust's integration engine, short for an attacker.
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxHeadersCount: 100,
};

export function createApiServer(app: RequestListener, limits: ServerLimits = SERVER_LIMITS): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    app,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  return server;
}
