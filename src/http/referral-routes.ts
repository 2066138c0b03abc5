/**
 * The referral API for housing providers (issue 8 items 3 and 4; issue 19 item 3): the pull inbox,
 * reading a referral (its first read is the disclosure), acknowledging it, answering it, recording
 * the milestones of the work, and naming the housing worker on the case. Handlers only
 * translate HTTP; the delivery stage takes the caller's partner id into every query, so another
 * partner's referral is simply not found (404, never 403).
 */
import type { Request, RequestHandler, Response } from 'express';
import { callerOf } from '../auth/caller.js';
import { readReferral } from '../delivery/inbox.js';
import { listInbox } from '../delivery/inbox-list.js';
import { inboxListQuery } from '../delivery/list-params.js';
import type { Deps } from '../deps.js';
import {
  badRequest,
  badRequestIssues,
  conflict,
  notFound,
  OutcomeError,
  outcome,
  serviceUnavailable,
  unsupportedMediaType,
} from '../fhir/outcome.js';
import { type AnswerResult, acknowledge, nameWorker, postStatus } from '../referral/provider-answers.js';
import { parseAnswer } from '../referral/response-body.js';
import { parseWorker } from '../referral/staff-body.js';
import type { RouteSpec } from './routes.js';

const NOT_FOUND = 'No referral with this id for you';
const UNCONFIRMED =
  "The person's consent could not be confirmed with the referring trust just now, so nothing was disclosed; read again later";
const HELD =
  "This referral is held: the person's consent could not be confirmed with the referring trust for longer than the gateway allows, so nothing was disclosed. The gateway's operator releases it once the trust confirms";
/** The trust's server is read with a deadline of seconds; a read this much later tries it again. */
const CONSENT_RETRY_AFTER_S = 30;

function callOf(req: Request, deps: Deps) {
  return {
    partnerId: callerOf(req).partnerId,
    referralId: String(req.params.id ?? ''),
    at: deps.clock.now(),
    requestId: String(req.id ?? ''),
  };
}

function sendAnswer(res: Response, result: AnswerResult): void {
  if (result.kind === 'not-found') throw notFound(NOT_FOUND);
  if (result.kind === 'conflict') throw conflict(result.message);
  if (result.kind === 'invalid') throw badRequest(result.message, result.expression);
  const { kind: _kind, ...body } = result;
  res.setHeader('cache-control', 'no-store');
  res.json(body);
}

export function referralRoutes(deps: Deps): RouteSpec[] {
  const list: RequestHandler = async (req, res) => {
    const q = inboxListQuery(req.query);
    res.setHeader('cache-control', 'no-store');
    res.json(await listInbox(deps.store.db, deps.registry, callerOf(req).partnerId, q));
  };
  const read: RequestHandler = async (req, res) => {
    const result = await readReferral(deps, callOf(req, deps));
    switch (result.kind) {
      case 'not-found':
        throw notFound(NOT_FOUND);
      case 'cancelled':
        // Gone for good, and nothing of it was disclosed to you (RFC 9110 15.5.11).
        throw new OutcomeError(
          410,
          outcome([
            {
              code: 'deleted',
              diagnostics:
                'This referral was cancelled before it reached you (consent withdrawn or the agreement no longer in force); nothing of it was disclosed',
            },
          ]),
        );
      case 'consent-unconfirmed':
        // Not the caller's fault and nothing disclosed. While the trust's server may still answer
        // it is transient (503, as for a busy database); once dead-lettered only an operator's
        // replay releases it, so retrying is pointless: 409, the referral's state forbids it.
        if (result.held) throw conflict(HELD, 'business-rule');
        throw serviceUnavailable(UNCONFIRMED, CONSENT_RETRY_AFTER_S);
      case 'changing':
        throw serviceUnavailable('This referral changed while it was read; read it again', 1);
      case 'not-delivered':
        throw conflict('This referral has not been delivered to you yet; it arrives by webhook');
      case 'purged':
        throw new OutcomeError(
          410,
          outcome([{ code: 'deleted', diagnostics: 'The message was removed by retention' }]),
        );
      case 'message':
        // A first read of a pull message is its delivery (issue 10 metrics), committed by now.
        if (result.firstRead) deps.metrics.deliveries.inc({ channel: 'pull', outcome: 'delivered' });
        res.setHeader('cache-control', 'no-store');
        // The same de-duplication key a webhook carries.
        res.setHeader('webhook-id', result.webhookId);
        res.type(result.contentType).send(result.payload);
    }
  };
  const ack: RequestHandler = async (req, res) => {
    sendAnswer(res, await acknowledge(deps, callOf(req, deps)));
  };
  const status: RequestHandler = async (req, res) => {
    if (req.is('application/x-www-form-urlencoded')) throw unsupportedMediaType('Send application/json');
    const parsed = parseAnswer(req.body);
    // 400 listing every problem found in the body (the one error format: http/errors.ts).
    if (!parsed.ok) throw badRequestIssues(parsed.issues.map((i) => ({ code: 'invalid', ...i })));
    sendAnswer(res, await postStatus(deps, callOf(req, deps), parsed.answer));
  };
  const worker: RequestHandler = async (req, res) => {
    if (req.is('application/x-www-form-urlencoded')) throw unsupportedMediaType('Send application/json');
    const parsed = parseWorker(req.body);
    if (!parsed.ok) throw badRequestIssues(parsed.issues);
    const result = await nameWorker(deps, callOf(req, deps), parsed.worker, parsed.recordedBy);
    if (result.kind === 'not-found') throw notFound(NOT_FOUND);
    if (result.kind === 'conflict') throw conflict(result.message);
    const { kind: _kind, ...body } = result;
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  };
  return [
    { method: 'get', path: '/referrals', scope: 'referrals.read', handlers: [list] },
    { method: 'get', path: '/referrals/:id', scope: 'referrals.read', handlers: [read] },
    { method: 'post', path: '/referrals/:id/acknowledge', scope: 'referrals.write', handlers: [ack] },
    { method: 'post', path: '/referrals/:id/status', scope: 'referrals.write', handlers: [status] },
    { method: 'put', path: '/referrals/:id/worker', scope: 'referrals.write', handlers: [worker] },
  ];
}
