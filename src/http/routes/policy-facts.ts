/** Policy facts the console's forms offer as choices (read-only; the services still validate). */
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.js';
import { BreakGlassOptions } from '../schemas/resources.js';
import { principalOf } from '../principal.js';
import { problemResponses } from '../schemas/common.js';

export const policyFactRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services: s },
) => {
  app.get(
    '/policy/break-glass-options',
    {
      config: { scopes: ['approvals:request'] },
      schema: {
        operationId: 'getBreakGlassOptions',
        tags: ['policy'],
        summary:
          'Where break-glass is allowed and with which choices: environments (declarer and approver groups, longest expiry, whether an incident id is required, whether the caller may declare) and known projects',
        response: { 200: BreakGlassOptions, ...problemResponses },
      },
    },
    async (req) => s.reads.breakGlassOptions(principalOf(req)),
  );
};
