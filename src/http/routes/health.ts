import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../app.js';

export function registerHealthRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'store'>): void {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        response: {
          200: Type.Object({ status: Type.String(), auditSize: Type.Integer() }),
          503: Type.Object({ status: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        return { status: 'ready', auditSize: await deps.store.auditSize() };
      } catch {
        return reply.code(503).send({ status: 'store unavailable' });
      }
    },
  );
}
