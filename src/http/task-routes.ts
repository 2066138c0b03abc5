/**
 * Trust-facing referral status (issue 7 item 6): GET /fhir/Task/:id and GET /fhir/Task with
 * `focus` (the trust's MessageHeader.id) or `identifier` (a referral id). Scope system/Task.rs;
 * a trust sees only Tasks of its own messages: anything else is 404 (or an empty searchset).
 */
import type { Bundle, Task } from 'fhir/r4.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import { badRequest, notFound } from '../fhir/outcome.js';
import { taskById, tasksByMessage } from '../referral/trust-tasks.js';
import type { RouteSpec } from './routes.js';

/** FHIR token search value `system|value` or `value`: the value. */
function tokenValue(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 200)
    throw badRequest(`${name} must be one token (system|value)`, name);
  const value = raw.includes('|') ? raw.slice(raw.lastIndexOf('|') + 1) : raw;
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) throw badRequest(`${name} value is not a valid id`, name);
  return value;
}

const searchset = (tasks: Task[], base: string): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: tasks.length,
  entry: tasks.map((t) => ({ fullUrl: `${base}/fhir/Task/${t.id}`, resource: t, search: { mode: 'match' } })),
});

export function taskRoutes(deps: Deps): RouteSpec[] {
  const send = (res: Parameters<RouteSpec['handlers'][number]>[1], body: unknown) =>
    res.type('application/fhir+json').send(JSON.stringify(body));
  return [
    {
      method: 'get',
      path: '/fhir/Task/:id',
      scope: 'system/Task.rs',
      handlers: [
        async (req, res) => {
          const id = String(req.params.id);
          const task = /^[A-Za-z0-9\-.]{1,64}$/.test(id)
            ? await taskById(deps.store.db, deps.registry, callerOf(req).partnerId, id)
            : undefined;
          if (!task) throw notFound(`No Task ${id.length > 64 ? '' : id} for this trust`.replace('  ', ' '));
          send(res, task);
        },
      ],
    },
    {
      method: 'get',
      path: '/fhir/Task',
      scope: 'system/Task.rs',
      handlers: [
        async (req, res) => {
          const known = new Set(['focus', 'identifier', '_format']);
          const unknown = Object.keys(req.query).filter((k) => !known.has(k));
          if (unknown.length > 0)
            throw badRequest(`Unsupported search parameter: ${unknown.join(', ')}`.slice(0, 200));
          const focus = tokenValue(req.query.focus, 'focus');
          const identifier = tokenValue(req.query.identifier, 'identifier');
          if (!focus && !identifier)
            throw badRequest('Search Task by focus (your MessageHeader.id) or identifier (a referral id)');
          const sender = callerOf(req).partnerId;
          let tasks = focus ? await tasksByMessage(deps.store.db, deps.registry, sender, focus) : [];
          if (identifier) {
            const one = await taskById(deps.store.db, deps.registry, sender, identifier);
            tasks = focus ? tasks.filter((t) => t.id === identifier) : one ? [one] : [];
          }
          send(res, searchset(tasks, deps.settings.publicUrl));
        },
      ],
    },
  ];
}
