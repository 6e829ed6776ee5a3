/**
 * `GET /approvals/events`: Server-Sent Events of every approval change the caller can read, for
 * the console's queue. Each event is the request as the caller sees it (`canReview` included),
 * read again after COMMIT, so a listener never sees a change that rolled back.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApprovalChanged } from '../../services/event-bus.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../app.js';
import { problemResponses } from '../schemas/common.js';
import type { NotifyRouteDeps } from './notify.js';

export function registerApprovalStreamRoutes(
  app: FastifyInstance,
  s: Services,
  deps: Pick<NotifyRouteDeps, 'bus' | 'heartbeatMs' | 'maxStreamMs'>,
): void {
  app.get(
    '/approvals/events',
    {
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
      reply.hijack();
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write('retry: 2000\n\nevent: ready\ndata: {}\n\n');
      // changes are written in arrival order; each one re-read for this caller
      let chain: Promise<void> = Promise.resolve();
      const onChange = (c: ApprovalChanged) => {
        chain = chain.then(async () => {
          const view = await s.reads.get(p, c.approval.id).catch(() => null);
          if (!view || reply.raw.writableEnded) return;
          const event = c.event.replace(/[^A-Za-z0-9._-]/g, '') || 'changed';
          reply.raw.write(
            `id: ${view.id}:${view.version}\nevent: ${event}\ndata: ${serialize(view)}\n\n`,
          );
        });
      };
      const off = deps.bus.onApproval(onChange);
      const heartbeat = setInterval(() => {
        if (!reply.raw.writableEnded) reply.raw.write(': heartbeat\n\n');
      }, deps.heartbeatMs ?? 15_000);
      const lifetime = setTimeout(() => close(), deps.maxStreamMs ?? 10 * 60_000);
      const close = () => {
        off();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        if (!reply.raw.writableEnded) reply.raw.end();
      };
      req.raw.once('close', close);
      reply.raw.once('close', close);
    },
  );
}
