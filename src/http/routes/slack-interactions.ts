/**
 * `POST /v1/integrations/slack/interactions`: Slack's interactivity request URL. Not behind the
 * bearer-token hook: Slack authenticates with its request signature, which the handler checks on
 * the raw body before anything is parsed (so every content type is read as raw text here).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AuthError, InputError } from '../../errors/index.js';
import type { SlackInteractions } from '../../services/slack-interactions.js';
import type { RequestLimits } from '../hardening.js';
import { problemResponses } from '../schemas/common.js';

export const SLACK_INTERACTIONS_PATH = '/v1/integrations/slack/interactions';

/** Slack sends small forms; a modal submission is a few kilobytes. */
const BODY_LIMIT = 256 * 1024;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export async function registerSlackInteractionRoutes(
  app: FastifyInstance,
  interactions: SlackInteractions,
  limits: RequestLimits,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      SLACK_INTERACTIONS_PATH,
      {
        schema: {
          operationId: 'slackInteractions',
          tags: ['integrations'],
          summary: 'Slack interactivity (button clicks, modal submissions); Slack-signed',
          security: [],
          response: {
            200: {
              description:
                'Empty, or the JSON answer Slack expects (a modal to open, errors to show)',
              content: { 'application/json': { schema: Type.Unknown() } },
            },
            400: problemResponses[400],
            401: problemResponses[401],
            413: problemResponses[413],
            503: problemResponses[503],
          },
        },
      },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const rawBody = typeof req.body === 'string' ? req.body : '';
        try {
          const answer = await interactions.handle({
            timestamp: header(req, 'x-slack-request-timestamp'),
            signature: header(req, 'x-slack-signature'),
            rawBody,
          });
          req.log.info({ slack: answer.outcome }, 'slack interaction');
          if (answer.body === null) return reply.code(200).send();
          return reply.code(200).type('application/json').send(answer.body);
        } catch (err) {
          if (err instanceof AuthError) {
            // refused requests spend the client's failed-authentication budget, like bad tokens
            await limits.assertAuthBudget(req, reply);
            await limits.recordAuthFailure(req);
            req.log.warn({ slack: 'refused' }, 'slack interaction refused');
          }
          if (err instanceof InputError) req.log.warn({ slack: 'malformed' }, 'slack interaction');
          throw err;
        }
      },
    );
  });
}
