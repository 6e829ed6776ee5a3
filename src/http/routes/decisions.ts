import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { EvaluateResponse } from '../schemas/approval.js';
import { problemResponses } from '../schemas/common.js';

const EvaluateBody = Type.Object(
  { action: Type.Ref('ActionInput') },
  { additionalProperties: false },
);

export const decisionRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services },
) => {
  app.post<{ Body: Static<typeof EvaluateBody> }>(
    '/decisions',
    {
      config: { scopes: ['approvals:request', 'gate:check'] },
      schema: {
        operationId: 'evaluateAction',
        tags: ['decisions'],
        summary: 'Evaluate an action against policy (audited)',
        body: EvaluateBody,
        response: { 200: EvaluateResponse, ...problemResponses },
      },
    },
    async (req) => services.evaluator.evaluate(principalOf(req), req.body.action),
  );
};
