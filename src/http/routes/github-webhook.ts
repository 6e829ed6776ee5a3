/**
 * `POST /v1/integrations/github/webhook`: GitHub's deployment protection rule webhook. It is
 * authenticated by its signature, not by a bearer token, so it sits outside the /v1 auth hook,
 * in its own scope where the JSON body is kept as the exact text that was signed.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  handleGithubWebhook,
  type GithubWebhookDeps,
} from '../../integrations/github/webhook-handler.js';
import { problemResponses } from '../schemas/common.js';

const header = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

export async function registerGithubWebhookRoute(
  app: FastifyInstance,
  deps: GithubWebhookDeps,
): Promise<void> {
  await app.register(async (scope) => {
    // the signature covers the bytes as sent: verify those, parse only afterwards
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      done(null, typeof body === 'string' ? body : body.toString('utf8'));
    });
    scope.post(
      '/v1/integrations/github/webhook',
      {
        schema: {
          operationId: 'githubWebhook',
          tags: ['integrations'],
          summary:
            'GitHub deployment protection rules (X-Hub-Signature-256 verified): opens a request for the deployment and answers its callback when decided',
          security: [],
          response: {
            200: Type.Object({}, { additionalProperties: true }),
            202: Type.Object({ ignored: Type.String() }),
            ...problemResponses,
          },
        },
      },
      async (req, reply) => {
        const result = await handleGithubWebhook(deps, {
          body: typeof req.body === 'string' ? req.body : '',
          signature: header(req.headers['x-hub-signature-256']),
          event: header(req.headers['x-github-event']),
          deliveryId: header(req.headers['x-github-delivery']),
        });
        return reply.code(result.status).send(result.body);
      },
    );
  });
}
