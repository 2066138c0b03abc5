/**
 * The metrics listener (issue 10 item 1): `GET /metrics` on its own port (METRICS_PORT), bound to
 * METRICS_HOST (loopback by default), apart from the partner API. It must only be reachable from
 * the monitoring network: never publish this port through the load balancer (README, Operating).
 * With METRICS_TOKEN set it also requires `Authorization: Bearer <METRICS_TOKEN>`, compared in
 * constant time. Plain node:http: nothing else is served here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether `header` is `Bearer <token>`; digests first, so the comparison takes the same time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

export function metricsServer(
  metrics: Pick<Metrics, 'exposition' | 'registry'>,
  logger: Logger,
  opts: { token?: string | undefined } = {},
): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      res
        .writeHead(401, {
          'content-type': 'text/plain',
          'www-authenticate': 'Bearer realm="homeward-metrics"',
        })
        .end('Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    metrics.exposition().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      (err: unknown) => {
        logger.error({ err }, 'metrics exposition failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
}
