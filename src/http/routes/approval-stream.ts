/**
 * Server-Sent Events of approval changes: `GET /approvals/events`, every change the caller can
 * read (the console's queue), and `GET /approvals/{id}/events`, one request's changes (resuming a
 * run). Each event is the request as the caller sees it (`canReview` included), published after
 * COMMIT, so a listener never sees a change that rolled back.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { ApprovalChanged, EventBus } from '../../services/event-bus.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { IdParams, problemResponses } from '../schemas/common.js';
import { closingSignal } from '../closing.js';
import { openSse } from '../sse.js';

export interface ApprovalStreamOptions {
  services: Services;
  bus: EventBus;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number | undefined;
  /** Longest an SSE stream stays open before the client reconnects (default 10 min). */
  maxStreamMs?: number | undefined;
}

type IdP = { Params: Static<typeof IdParams> };

export const approvalStreamRoutes: FastifyPluginAsync<ApprovalStreamOptions> = async (
  app,
  { services: s, ...deps },
) => {
  const closing = closingSignal(app);
  app.get(
    '/approvals/events',
    {
      config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
      schema: {
        operationId: 'streamApprovalChanges',
        tags: ['approvals'],
        summary:
          'Server-Sent Events of every request change the caller can read: `ready`, then one event per change (`requested`, `approved`, `reviewed`, …) with the request as data',
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problemResponses },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      // the same read check as the list: a caller who cannot list gets the list's 403 here
      await s.reads.list(p, {}, { limit: 1 });
      const serialize = reply.compileSerializationSchema(Type.Ref('Approval') as never) as (
        v: unknown,
      ) => string;
      // each change is the committed request from the bus, shown as this caller sees it
      const stream = openSse(req, reply, {
        heartbeatMs: deps.heartbeatMs ?? 15_000,
        maxStreamMs: deps.maxStreamMs ?? 10 * 60_000,
        onClose: () => off(),
        first: 'event: ready\ndata: {}\n\n',
        signal: closing,
      });
      const off = deps.bus.onApproval((c: ApprovalChanged) => {
        stream.send(
          c.event,
          `${c.approval.id}:${c.approval.version}`,
          serialize(s.reads.view(p, c.approval)),
        );
      });
    },
  );

  app.get<IdP>(
    '/approvals/:id/events',
    {
      config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
      schema: {
        operationId: 'streamApprovalEvents',
        tags: ['approvals'],
        summary:
          'Server-Sent Events: a `snapshot` event with the request now, then one event per change (`approved`, `denied`, `reviewed`, …) with the request as data',
        params: IdParams,
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problemResponses },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const first = await s.reads.get(p, req.params.id);
      const serialize = reply.compileSerializationSchema(Type.Ref('Approval') as never) as (
        v: unknown,
      ) => string;
      // later changes are written as they come; none is lost between the read and the
      // subscription because the request is read again once subscribed
      let lastVersion = first.version;
      const write = (event: string, approval: ApprovalRequest) => {
        if (approval.version <= lastVersion) return;
        lastVersion = approval.version;
        stream.send(event, String(approval.version), serialize(s.reads.view(p, approval)));
      };
      const off = deps.bus.onApproval((c) => write(c.event, c.approval), first.id);
      const stream = openSse(req, reply, {
        heartbeatMs: deps.heartbeatMs ?? 15_000,
        maxStreamMs: deps.maxStreamMs ?? 10 * 60_000,
        onClose: off,
        signal: closing,
      });
      stream.send('snapshot', String(first.version), serialize(first));
      const now = await s.reads.get(p, first.id).catch(() => null);
      if (now) write(now.state, now);
    },
  );
};
