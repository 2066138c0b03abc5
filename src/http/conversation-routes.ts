/**
 * The conversation about a referral (issue 19 item 4), for both sides:
 * - housing providers: GET and POST /referrals/{id}/messages (referrals.read / referrals.write);
 * - trusts: FHIR Communication, POST /fhir/Communication, GET /fhir/Communication/{id} and
 *   GET /fhir/Communication?based-on=Task/{id} (system/Communication.crs).
 * Handlers only translate HTTP; the referral stage (referral/conversation.ts) stores, queues,
 * discloses and audits. Anyone but the referral's two parties gets 404.
 */

import type { Request, RequestHandler, Response } from 'express';
import type { Bundle, Communication } from 'fhir/r4.js';
import { callerOf } from '../auth/caller.js';
import type { Deps } from '../deps.js';
import { badRequest, badRequestIssues, conflict, notFound, unprocessable } from '../fhir/outcome.js';
import { communicationOf } from '../referral/communication.js';
import {
  type MessageRow,
  messagesOf,
  type PostResult,
  postMessage,
  readConversation,
  referralOfMessage,
  referralOfParty,
  type Side,
  viewOf,
} from '../referral/conversation.js';
import { parseCommunication, parseProviderMessage } from '../referral/message-body.js';
import type { RouteSpec } from './routes.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const NO_REFERRAL = 'No referral with this id for you';

const closedMessage = (status: string) =>
  `The conversation about this referral is closed: the referral is ${status}. Messages can be posted from its delivery until it ends`;

function posted(result: PostResult) {
  if (result.kind === 'not-found') throw notFound(NO_REFERRAL);
  if (result.kind === 'closed') throw conflict(closedMessage(result.status));
  return result.message;
}

const fhir = (res: Response, status: number, body: unknown) =>
  res.status(status).type('application/fhir+json').send(JSON.stringify(body));

export function conversationRoutes(deps: Deps): RouteSpec[] {
  const who = (req: Request, side: Side) => ({
    partnerId: callerOf(req).partnerId,
    side,
    at: deps.clock.now(),
    requestId: String(req.id ?? ''),
  });

  /** The conversation as `side` reads it: what the other side wrote is disclosed by this read. */
  async function read(req: Request, side: Side, referralId: string) {
    const c = who(req, side);
    return deps.store.transaction(async (tx) => {
      const referral = await referralOfParty(tx, referralId, c.partnerId, side);
      if (!referral) return undefined;
      const rows = await readConversation(tx, deps, {
        referral,
        reader: side,
        at: c.at,
        requestId: c.requestId,
      });
      return { referral, rows };
    });
  }

  const providerList: RequestHandler = async (req, res) => {
    const id = String(req.params.id ?? '');
    const found = ID.test(id) ? await read(req, 'provider', id) : undefined;
    if (!found) throw notFound(NO_REFERRAL);
    res.setHeader('cache-control', 'no-store');
    res.json({ referralId: id, messages: found.rows.map((m) => viewOf(deps.registry, m)) });
  };

  const providerPost: RequestHandler = async (req, res) => {
    const id = String(req.params.id ?? '');
    const c = who(req, 'provider');
    // Another partner's referral is not found, whatever the body says (404, never 400 or 403).
    if (!ID.test(id) || !(await referralOfParty(deps.store.db, id, c.partnerId, 'provider')))
      throw notFound(NO_REFERRAL);
    const parsed = parseProviderMessage(req.body);
    if (!parsed.ok) throw badRequestIssues(parsed.issues);
    const result = await deps.store.transaction((tx) =>
      postMessage(tx, deps, {
        referralId: id,
        by: { partnerId: c.partnerId, side: 'provider', ...parsed.value.author },
        text: parsed.value.text,
        at: c.at,
      }),
    );
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(posted(result));
  };

  const trustPost: RequestHandler = async (req, res) => {
    const parsed = parseCommunication(req.body);
    if (!parsed.ok) {
      if (parsed.issues[0]?.expression === 'Communication') throw badRequest(parsed.issues[0].diagnostics);
      throw unprocessable(parsed.issues);
    }
    const c = who(req, 'trust');
    const { referralId, text, author } = parsed.value;
    const result = await deps.store.transaction(async (tx) => {
      const r = await postMessage(tx, deps, {
        referralId,
        by: { partnerId: c.partnerId, side: 'trust', ...author },
        text,
        at: c.at,
      });
      if (r.kind !== 'posted') return { r };
      const referral = await referralOfParty(tx, referralId, c.partnerId, 'trust');
      const row = (await messagesOf(tx, referralId)).find((m) => m.id === r.message.id);
      return {
        r,
        communication: referral && row ? communicationOf(deps.registry, referral, row) : undefined,
      };
    });
    const message = posted(result.r);
    res.setHeader('location', `${deps.settings.publicUrl}/fhir/Communication/${message.id}`);
    fhir(res, 201, result.communication);
  };

  const trustSearch: RequestHandler = async (req, res) => {
    const known = new Set(['based-on', '_format']);
    const unknown = Object.keys(req.query).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw badRequest(`Unsupported search parameter: ${unknown.join(', ')}`.slice(0, 200));
    const raw = req.query['based-on'];
    const match = typeof raw === 'string' ? /^(?:.*\/)?Task\/([A-Za-z0-9\-.]{1,64})$/.exec(raw) : null;
    if (!match)
      throw badRequest("Search Communication by based-on=Task/{id} (the referral's Task)", 'based-on');
    const found = await read(req, 'trust', match[1] ?? '');
    const communications: Communication[] = found
      ? found.rows.map((m: MessageRow) => communicationOf(deps.registry, found.referral, m))
      : [];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: communications.length,
      entry: communications.map((resource) => ({
        fullUrl: `${deps.settings.publicUrl}/fhir/Communication/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    fhir(res, 200, bundle);
  };

  const trustRead: RequestHandler = async (req, res) => {
    const id = String(req.params.id ?? '');
    const referralId = ID.test(id) ? await referralOfMessage(deps.store.db, id) : undefined;
    const found = referralId ? await read(req, 'trust', referralId) : undefined;
    const row = found?.rows.find((m) => m.id === id);
    if (!found || !row)
      throw notFound(`No Communication ${ID.test(id) ? id : ''} for this trust`.replace('  ', ' '));
    fhir(res, 200, communicationOf(deps.registry, found.referral, row));
  };

  return [
    { method: 'get', path: '/referrals/:id/messages', scope: 'referrals.read', handlers: [providerList] },
    { method: 'post', path: '/referrals/:id/messages', scope: 'referrals.write', handlers: [providerPost] },
    { method: 'post', path: '/fhir/Communication', scope: 'system/Communication.crs', handlers: [trustPost] },
    {
      method: 'get',
      path: '/fhir/Communication',
      scope: 'system/Communication.crs',
      handlers: [trustSearch],
    },
    {
      method: 'get',
      path: '/fhir/Communication/:id',
      scope: 'system/Communication.crs',
      handlers: [trustRead],
    },
  ];
}
