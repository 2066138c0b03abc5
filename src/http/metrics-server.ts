/**
 * The metrics listener (issue 10 item 1): `GET /metrics` on its own port (METRICS_PORT), bound to
 * METRICS_HOST (loopback by default), apart from the partner API. Prometheus scrapes it without a
 * token, so it must only be reachable from the monitoring network: never publish this port
 * through the load balancer (README, Operating). Plain node:http: nothing else is served here.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

export function metricsServer(metrics: Pick<Metrics, 'exposition' | 'registry'>, logger: Logger): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
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
