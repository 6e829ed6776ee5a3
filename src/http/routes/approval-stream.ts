/**
 * `GET /approvals/events`: Server-Sent Events of every approval change the caller can read, for
 * the console's queue. Each event is the request as the caller sees it (`canReview` included),
 * published after COMMIT, so a listener never sees a change that rolled back.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApprovalChanged } from '../../services/event-bus.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { problemResponses } from '../schemas/common.js';
import { closingSignal } from '../closing.js';
import { openSse } from '../sse.js';
import type { NotifyRouteDeps } from './notify.js';

export interface ApprovalStreamOptions extends Pick<
  NotifyRouteDeps,
  'bus' | 'heartbeatMs' | 'maxStreamMs'
> {
  services: Services;
}

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
};
