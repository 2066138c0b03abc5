/**
 * Operations views for IG leads and service managers (issue 8 items 2 and 5), scope `audit.read`:
 * dead-lettered (or any) deliveries, and referrals past their SLA without an answer. An auditor
 * sees only deliveries and referrals to or from the partners in its `auditOf` (the audit's own
 * isolation rule, src/audit/query.ts), applied inside the query. Bookkeeping only: no payloads.
 */
import type { RequestHandler } from 'express';
import { visibilityOf } from '../audit/query.js';
import { callerOf } from '../auth/caller.js';
import { listDeliveries } from '../delivery/delivery-list.js';
import { deliveryListQuery, overdueListQuery } from '../delivery/list-params.js';
import type { Deps } from '../deps.js';
import { listOverdue } from '../referral/overdue.js';
import type { RouteSpec } from './routes.js';

export function adminRoutes(deps: Deps): RouteSpec[] {
  const deliveries: RequestHandler = async (req, res) => {
    const q = deliveryListQuery(req.query);
    const visibility = visibilityOf(deps.registry, callerOf(req).partnerId);
    res.setHeader('cache-control', 'no-store');
    res.json(await listDeliveries(deps.store.db, { ...q, visibility }));
  };
  const overdue: RequestHandler = async (req, res) => {
    const q = overdueListQuery(req.query);
    const visibility = visibilityOf(deps.registry, callerOf(req).partnerId);
    res.setHeader('cache-control', 'no-store');
    res.json(await listOverdue(deps.store.db, { ...q, visibility, now: deps.clock.now() }));
  };
  return [
    { method: 'get', path: '/admin/deliveries', scope: 'audit.read', handlers: [deliveries] },
    { method: 'get', path: '/admin/referrals/overdue', scope: 'audit.read', handlers: [overdue] },
  ];
}
