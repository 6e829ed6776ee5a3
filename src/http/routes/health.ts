import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Literals } from '../schemas/common.js';
import type { Store } from '../../store/port.js';
import type { OpsMetricsSource } from '../metric-collectors.js';

const ProviderState = Type.Object(
  {
    provider: Type.String({ description: 'slack, teams, jira, servicenow, webhook or callback' }),
    ready: Type.Boolean(),
    missing: Type.Array(Type.String(), {
      description: 'names of the unset environment variables the provider needs',
    }),
  },
  { additionalProperties: false },
);

export interface HealthRouteOptions {
  store: Pick<Store, 'auditSize'>;
  /** Store-backed readiness of the notification providers; absent = not reported. */
  operations?: OpsMetricsSource | undefined;
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, deps) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['ops'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['ops'],
        summary: 'Readiness: 200 while the store answers, with each notification provider',
        security: [],
        description:
          'Ready (200) while the store answers. `status` is `degraded` (still 200: approvals and the gate work) when a configured notification provider lacks a secret; `providers` says which and names the unset variables.',
        response: {
          200: Type.Object({
            status: Literals(['ready', 'degraded']),
            auditSize: Type.Integer(),
            providers: Type.Array(ProviderState),
          }),
          503: Type.Object({ status: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      let auditSize: number;
      try {
        auditSize = await deps.store.auditSize();
      } catch {
        return reply.code(503).send({ status: 'store unavailable' });
      }
      const providers = deps.operations?.providers() ?? [];
      const status = providers.every((p) => p.ready) ? 'ready' : 'degraded';
      return { status, auditSize, providers };
    },
  );
};
