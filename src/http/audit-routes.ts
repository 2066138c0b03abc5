/**
 * The disclosure audit for IG leads (issue 5), scope `audit.read`. Handlers only translate HTTP:
 * the audit stage parses the query, records the read, applies partner isolation and reads.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler } from 'express';
import { gatewayWideFiguresOf, visibilityOf } from '../audit/query.js';
import {
  type AuditReadDeps,
  readCheckpoint,
  readEvents,
  readExport,
  readSubjectReport,
  readVerification,
} from '../audit/reads.js';
import type { AuditReader } from '../audit/types.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import type { RouteSpec } from './routes.js';

function readerOf(req: Request, deps: Deps): AuditReader {
  const { partnerId } = callerOf(req);
  return {
    partnerId,
    requestId: String(req.id ?? ''),
    visibility: visibilityOf(deps.registry, partnerId),
    gatewayWideFigures: gatewayWideFiguresOf(deps.registry, partnerId),
  };
}

export function auditRoutes(deps: Deps): RouteSpec[] {
  const ctx: AuditReadDeps = { ...deps, publicUrl: deps.settings.publicUrl };
  const json =
    (read: (d: AuditReadDeps, r: AuditReader, q: Request['query']) => Promise<unknown>): RequestHandler =>
    async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      res.json(await read(ctx, readerOf(req, deps), req.query));
    };
  const route = (path: string, handler: RequestHandler): RouteSpec => ({
    method: 'get',
    path,
    scope: 'audit.read',
    handlers: [handler],
  });
  return [
    route('/audit/events', json(readEvents)),
    route('/audit/verify', json(readVerification)),
    route('/audit/checkpoint', json(readCheckpoint)),
    route('/audit/subject-report', json(readSubjectReport)),
    route('/audit/export', async (req, res) => {
      const out = await readExport(ctx, readerOf(req, deps), req.query);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-disposition', `attachment; filename="${out.filename}"`);
      res.type(out.contentType);
      await pipeline(Readable.from(out.body), res);
    }),
  ];
}
