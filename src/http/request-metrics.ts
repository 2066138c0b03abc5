/**
 * Request durations for Prometheus (issue 10 item 1), labelled with the route TEMPLATE
 * (`/referrals/:id`), never the URL: ids and query strings would make a series per request and
 * a query string can hold an NHS number (logging.ts follows the same rule).
 */
import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics/metrics.js';
import { routeTemplate } from './logging.js';

export function requestMetrics(metrics: Pick<Metrics, 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe(
        { method: req.method, route: routeTemplate(req), status_code: String(res.statusCode) },
        seconds,
      );
    });
    next();
  };
}
