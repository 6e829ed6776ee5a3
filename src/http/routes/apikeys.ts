import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { InputError } from '../../errors/index.js';
import { parseScopes } from '../../identity/api-keys.js';
import type { Services } from '../../services/index.js';
import { ApiKeyView } from '../schemas/resources.js';
import { principalOf } from '../principal.js';
import { IdParams, Name, problemResponses, Str } from '../schemas/common.js';

const GroupName = Str(128, { minLength: 1, pattern: '^[^*|]+$' });
const CreateBody = Type.Object(
  {
    name: Name,
    scopes: Type.Array(Str(32), { minItems: 1, maxItems: 8 }),
    groups: Type.Optional(Type.Array(GroupName, { maxItems: 64 })),
  },
  { additionalProperties: false },
);

export const apiKeyRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services: s },
) => {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/apikeys',
    {
      config: { scopes: ['admin'] },
      schema: {
        operationId: 'createApiKey',
        tags: ['apikeys'],
        summary: 'Create an API key (admin); the key is shown once',
        body: CreateBody,
        response: {
          201: Type.Object({ key: Type.String(), apiKey: ApiKeyView }),
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const scopes = parseScopes(req.body.scopes);
      if ('invalid' in scopes) {
        throw new InputError(
          'validation_failed',
          'unknown scope',
          scopes.invalid.map((v) => ({ path: '/scopes', message: `unknown scope "${v}"` })),
        );
      }
      const out = await s.apiKeys.create(principalOf(req), {
        name: req.body.name,
        scopes,
        groups: req.body.groups ?? [],
      });
      reply.code(201);
      return { key: out.key, apiKey: out.record };
    },
  );
  app.get(
    '/apikeys',
    {
      config: { scopes: ['admin'] },
      schema: {
        operationId: 'listApiKeys',
        tags: ['apikeys'],
        summary: 'List API keys (admin); secrets are never shown',
        response: { 200: Type.Object({ items: Type.Array(ApiKeyView) }), ...problemResponses },
      },
    },
    async (req) => ({ items: await s.apiKeys.list(principalOf(req)) }),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/apikeys/:id/revoke',
    {
      config: { scopes: ['admin'], optionalBody: true },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['apikeys'],
        summary: 'Revoke an API key (admin)',
        params: IdParams,
        response: { 200: ApiKeyView, ...problemResponses },
      },
    },
    async (req) => s.apiKeys.revoke(principalOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/apikeys/:id/rotate',
    {
      config: { scopes: ['admin'], optionalBody: true },
      schema: {
        operationId: 'rotateApiKey',
        tags: ['apikeys'],
        summary:
          'Rotate an API key (admin): a new secret for the same key id; the old secret stops working at once',
        params: IdParams,
        response: {
          201: Type.Object({ key: Type.String(), apiKey: ApiKeyView, revoked: ApiKeyView }),
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const out = await s.apiKeys.rotate(principalOf(req), req.params.id);
      reply.code(201);
      return { key: out.key, apiKey: out.record, revoked: out.revoked };
    },
  );
};
