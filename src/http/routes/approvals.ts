import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { InputError } from '../../errors/index.js';
import type { Clock } from '../../lib/clock.js';
import { parseDuration } from '../../lib/duration.js';
import type { Services } from '../../services/index.js';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { Scope } from '../../domain/principal.js';
import type { EventBus } from '../../services/event-bus.js';
import { closingSignal } from '../closing.js';
import { waitForChange, waitMs } from '../long-poll.js';
import { principalOf } from '../principal.js';
import {
  ApprovalList,
  ApproveBody,
  BreakGlassBody,
  CreateApprovalBody,
  ListApprovalsQuery,
  OptionalReasonBody,
  ReasonBody,
} from '../schemas/approval.js';
import { Credential } from '../schemas/resources.js';
import { IdParams, problemResponses, Str } from '../schemas/common.js';

type IdP = { Params: Static<typeof IdParams> };

export interface ApprovalRouteOptions {
  services: Services;
  /** The event bus and clock the long-poll wakes from; absent = `/wait` is not served. */
  wait?: { bus: EventBus; clock: Clock } | undefined;
}

// a query string is text: seconds as digits, or a duration with a unit
const WaitQuery = Type.Object(
  { timeout: Type.Optional(Str(16, { pattern: '^[0-9]{1,9}(ms|s|m|h|d)?$' })) },
  { additionalProperties: false },
);
const ApprovalRef = Type.Ref('Approval');

function durationMs(value: string | number | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new InputError('validation_failed', `${path.slice(1)} is not a duration`, [
      { path, message: 'must be a duration like 30m or 2h' },
    ]);
  }
  return ms;
}

export const approvalRoutes: FastifyPluginAsync<ApprovalRouteOptions> = async (
  app,
  { services: s, wait },
) => {
  app.post<{ Body: Static<typeof CreateApprovalBody> }>(
    '/approvals',
    {
      config: { scopes: ['approvals:request'] },
      schema: {
        operationId: 'createApproval',
        tags: ['approvals'],
        summary: 'Open an approval request (idempotent per action while pending)',
        body: CreateApprovalBody,
        response: { 200: ApprovalRef, 201: ApprovalRef, ...problemResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const p = principalOf(req);
      const { approval, created } = await s.requests.create(p, {
        ...(b.action !== undefined ? { action: b.action } : {}),
        ...(b.decisionId !== undefined ? { decisionId: b.decisionId } : {}),
        ...(b.ttl !== undefined ? { ttlMs: durationMs(b.ttl, '/ttl') as number } : {}),
        ...(b.callbackUrl !== undefined ? { callbackUrl: b.callbackUrl } : {}),
        ...(b.note !== undefined ? { note: b.note } : {}),
        ...(b.approverGroup !== undefined ? { approverGroup: b.approverGroup } : {}),
      });
      reply.code(created ? 201 : 200);
      if (created) reply.header('location', `/v1/approvals/${approval.id}`);
      return s.reads.view(p, approval);
    },
  );

  app.get<{ Querystring: Static<typeof ListApprovalsQuery> }>(
    '/approvals',
    {
      schema: {
        operationId: 'listApprovals',
        tags: ['approvals'],
        summary: 'List requests, newest first, with filters and cursor pagination',
        querystring: ListApprovalsQuery,
        response: { 200: ApprovalList, ...problemResponses },
      },
    },
    async (req) => {
      const { limit, cursor, usable, ...filter } = req.query;
      const n = limit === undefined ? 50 : Number(limit);
      if (n < 1 || n > 200) {
        throw new InputError('validation_failed', 'limit is out of range', [
          { path: 'querystring:/limit', message: 'must be between 1 and 200' },
        ]);
      }
      const page = { limit: n, ...(cursor ? { cursor } : {}) };
      if (usable === 'true') {
        if (!filter.actionHash) {
          throw new InputError('validation_failed', 'usable=true needs the actionHash', [
            { path: 'querystring:/actionHash', message: 'is required with usable=true' },
          ]);
        }
        const p = principalOf(req);
        const found = await s.eligibility.usable(p, filter.actionHash, page);
        return { items: found.items.map((a) => s.reads.view(p, a)), nextCursor: found.nextCursor };
      }
      return s.reads.list(principalOf(req), filter as Record<string, string>, page);
    },
  );

  app.post<{ Body: Static<typeof BreakGlassBody> }>(
    '/approvals/break-glass',
    {
      config: { scopes: ['approvals:request'] },
      schema: {
        operationId: 'declareBreakGlass',
        tags: ['approvals'],
        summary: 'Declare a break-glass approval (mandatory evidence, short expiry)',
        body: BreakGlassBody,
        response: { 201: ApprovalRef, ...problemResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const p = principalOf(req);
      const approval = await s.breakGlass.breakGlass(p, {
        action: b.action,
        reason: b.reason,
        approverGroup: b.approverGroup,
        expiresInMs: durationMs(b.expiresIn, '/expiresIn') as number,
        ...(b.externalRef !== undefined ? { externalRef: b.externalRef } : {}),
      });
      reply.code(201).header('location', `/v1/approvals/${approval.id}`);
      return s.reads.view(p, approval);
    },
  );

  app.get<IdP>(
    '/approvals/:id',
    {
      schema: {
        operationId: 'getApproval',
        tags: ['approvals'],
        summary: 'A request with its decision, reviews, history and quorum progress',
        params: IdParams,
        response: { 200: ApprovalRef, ...problemResponses },
      },
    },
    async (req) => s.reads.get(principalOf(req), req.params.id),
  );

  if (wait) {
    const closing = closingSignal(app);
    app.get<IdP & { Querystring: Static<typeof WaitQuery> }>(
      '/approvals/:id/wait',
      {
        config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
        schema: {
          operationId: 'waitForDecision',
          tags: ['approvals'],
          summary:
            'Long-poll until the request is no longer pending or the timeout (default 30s, max 60s) passes; 200 with the request as it is then',
          params: IdParams,
          querystring: WaitQuery,
          response: { 200: ApprovalRef, ...problemResponses },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const ms = waitMs(req.query.timeout);
        const first = await s.reads.getOwn(p, req.params.id, 'wait on a request');
        if (first.state !== 'pending') return first;
        await waitForChange(
          wait,
          first,
          ms,
          req,
          async () => (await s.reads.get(p, first.id)).state,
          closing,
        );
        // answered because the server is closing: do not keep the connection alive after it
        if (closing.aborted) reply.header('connection', 'close');
        return s.reads.get(p, req.params.id);
      },
    );
  }

  app.get<IdP>(
    '/approvals/:id/previous',
    {
      schema: {
        operationId: 'getPreviousApproval',
        tags: ['approvals'],
        summary:
          'The approval this request follows: the newest approved request for the same environment, project and kind created before it (null when none)',
        params: IdParams,
        response: {
          200: Type.Object({ previous: Type.Union([ApprovalRef, Type.Null()]) }),
          ...problemResponses,
        },
      },
    },
    async (req) => ({ previous: await s.reads.previous(principalOf(req), req.params.id) }),
  );

  const action = <B>(
    path: string,
    summary: string,
    body: object,
    config: { scopes?: Scope[]; optionalBody?: boolean },
    run: (req: {
      params: { id: string };
      body: B;
      principal: ReturnType<typeof principalOf>;
    }) => Promise<ApprovalRequest>,
  ) =>
    app.post<IdP & { Body: B }>(
      `/approvals/:id/${path}`,
      {
        config,
        schema: {
          operationId: `${path}Approval`,
          tags: ['approvals'],
          summary,
          params: IdParams,
          body,
          response: { 200: ApprovalRef, ...problemResponses },
        },
      },
      async (req) => {
        const p = principalOf(req);
        // the committed request, as this caller sees it (no second read)
        return s.reads.view(
          p,
          await run({ params: req.params, body: req.body as B, principal: p }),
        );
      },
    );

  action<Static<typeof ApproveBody>>(
    'approve',
    'Approve (counts toward quorum)',
    ApproveBody,
    { scopes: ['approvals:review'] },
    (r) => s.reviews.approve(r.principal, r.params.id, r.body),
  );
  action<Static<typeof ReasonBody>>(
    'deny',
    'Deny (deny wins)',
    ReasonBody,
    { scopes: ['approvals:review'] },
    (r) => s.reviews.deny(r.principal, r.params.id, r.body),
  );
  action<Static<typeof OptionalReasonBody>>(
    'expire',
    'Expire a pending request (admin)',
    OptionalReasonBody,
    { scopes: ['admin'], optionalBody: true },
    (r) => s.lifecycle.expire(r.principal, r.params.id, r.body.reason),
  );
  action<Static<typeof OptionalReasonBody>>(
    'cancel',
    'Cancel a pending request (requester)',
    OptionalReasonBody,
    { optionalBody: true },
    (r) => s.lifecycle.cancel(r.principal, r.params.id, r.body.reason),
  );
  action<Static<typeof ReasonBody>>(
    'revoke',
    'Revoke an approved request (admin or an approver)',
    ReasonBody,
    {},
    (r) => s.lifecycle.revoke(r.principal, r.params.id, r.body.reason),
  );

  app.get<IdP>(
    '/approvals/:id/credential',
    {
      config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
      schema: {
        operationId: 'getCredential',
        tags: ['approvals'],
        summary: 'The signed approval credential, once approved (requester or admin)',
        params: IdParams,
        response: {
          200: Credential,
          ...problemResponses,
        },
      },
    },
    async (req) => s.credentials.fetch(principalOf(req), req.params.id),
  );
};
