/**
 * The Fastify app: schemas (which also produce /openapi.json), the auth hook, problem+json
 * errors, request ids, and the routes. Built in-process for tests (`app.inject`) and by `serve`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import './principal.js';
import type { Authenticator } from '../identity/authenticate.js';
import type { Services } from '../services/index.js';
import type { Store } from '../store/port.js';
import { errorHandler, frameworkErrorHandler, notFoundHandler } from './problem.js';
import { registerInputGuards } from './input-guards.js';
import { registerMetrics } from './metrics.js';
import type { OpsMetricsSource } from './metric-collectors.js';
import { protectMetrics } from './metrics-access.js';
import { Problem } from './schemas/common.js';
import { Action, ActionInput, Approval, Decision } from './schemas/approval.js';
import { approvalRoutes } from './routes/approvals.js';
import { decisionRoutes } from './routes/decisions.js';
import { apiKeyRoutes } from './routes/apikeys.js';
import { healthRoutes } from './routes/health.js';
import { gateRoutes } from './routes/gate.js';
import { auditRoutes } from './routes/audit.js';
import { auditTileRoutes } from './routes/audit-tiles.js';
import { checkpointKeyRoute } from './routes/checkpoint-key.js';
import { evidenceRoutes } from './routes/evidence.js';
import { createAuthHook } from './auth-hook.js';
import { registerHardening, type HardeningOptions } from './hardening.js';
import {
  CONSOLE_SESSION_SCHEME,
  registerConsoleAuthRoutes,
  type ConsoleAuthDeps,
} from './routes/console-auth.js';
import { notifyRoutes, type NotifyRouteDeps } from './routes/notify.js';
import { approvalStreamRoutes } from './routes/approval-stream.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerSlackInteractionRoutes } from './routes/slack-interactions.js';
import type { SlackInteractions } from '../services/slack-interactions.js';
import { registerGithubWebhookRoute } from './routes/github-webhook.js';
import type { GithubWebhookDeps } from '../integrations/github/webhook-handler.js';
import { policyFactRoutes } from './routes/policy-facts.js';
import { buildLazySerializer, buildLazyValidator } from './lazy-serializers.js';

export interface AppDeps {
  services: Services;
  authenticator: Authenticator;
  store: Pick<Store, 'auditSize'>;
  devMode: boolean;
  bodyLimit: number;
  logger: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'] | false;
  version: string;
  /**
   * When request validators and response serializers are compiled. `at-start` (the default, the
   * server): every route's, before the app is ready, so a schema that cannot compile stops the
   * start and no first request waits for a compile. `on-first-use` (the CLI's local mode, which
   * builds the whole app to call one or two routes): each when its route is first used.
   */
  compileSchemas?: 'at-start' | 'on-first-use';
  /** `server.publicUrl`: the OpenAPI document's server (absent: relative to the document). */
  publicUrl?: string;
  /** The audit log's checkpoint origin line. */
  auditOrigin: string;
  /** Public keys (credential and checkpoint), served at /.well-known/jwks.json. */
  jwks: () => { keys: object[] };
  /** CORS allowlist (empty or absent = off). */
  corsOrigins?: HardeningOptions['corsOrigins'];
  /** Failed authentications per IP and mutations per principal, per minute. */
  rateLimit?: HardeningOptions['rateLimit'];
  /** Addresses/CIDRs of reverse proxies whose `X-Forwarded-*` gives the client IP; none = off. */
  trustProxy?: readonly string[];
  /** Console sign-in (authorization code + PKCE) and session cookies; absent = off. */
  console?: ConsoleAuthDeps | null;
  /** Long-poll, SSE and notification delivery routes; absent = not served. */
  notifications?: NotifyRouteDeps;
  /** Slack interactivity (signed by Slack, not by a bearer token); absent = not served. */
  slackInteractions?: SlackInteractions | null;
  /** GitHub deployment protection rules webhook; absent = not served. */
  githubWebhook?: GithubWebhookDeps | null;
  /** Store-backed metrics and provider readiness (/metrics, /readyz); absent = not reported. */
  operations?: OpsMetricsSource;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Log redaction: no token, key, signature or webhook URL ever reaches a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-countersign-csrf"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'authorization',
  'cookie',
  'token',
  'credential',
  'key',
  'secret',
  'password',
  'webhookUrl',
  '*.token',
  '*.credential',
  '*.apiKey',
  '*.key',
  '*.secret',
  '*.password',
  '*.clientSecret',
  '*.accessToken',
  '*.access_token',
  '*.idToken',
  '*.id_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.code_verifier',
  '*.webhookUrl',
  '*.cookie',
];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger && typeof (deps.logger as { info?: unknown }).info === 'function'
      ? { loggerInstance: deps.logger as FastifyServerOptions['loggerInstance'] }
      : { logger: deps.logger as FastifyServerOptions['logger'] }),
    bodyLimit: deps.bodyLimit,
    // only the listed proxies are believed (proxy-addr); never `true`, which believes anyone
    trustProxy: deps.trustProxy && deps.trustProxy.length > 0 ? [...deps.trustProxy] : false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    ajv: {
      // strict input: unknown fields are errors, no type coercion, report every problem
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        allErrors: true,
        useDefaults: false,
      },
    },
    routerOptions: { ignoreTrailingSlash: true },
    ...(deps.compileSchemas === 'on-first-use'
      ? {
          schemaController: {
            compilersFactory: {
              buildSerializer: buildLazySerializer,
              buildValidator: buildLazyValidator,
            },
          },
        }
      : {}),
    // a malformed URL (bad %-escape, over-long parameter) is a problem+json like any other
    frameworkErrors: frameworkErrorHandler,
  });
  app.decorateRequest('principal', null);
  const limits = await registerHardening(app, {
    ...(deps.corsOrigins ? { corsOrigins: deps.corsOrigins } : {}),
    ...(deps.rateLimit ? { rateLimit: deps.rateLimit } : {}),
  });
  // the API speaks JSON only: anything else is 415, never a string body to mis-validate
  app.removeContentTypeParser('text/plain');
  registerInputGuards(app);

  for (const schema of [Problem, ActionInput, Action, Decision, Approval]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Countersign API',
        version: deps.version,
        description:
          'Approval gate for risky actions. Errors are RFC 9457 problem+json with a stable `code`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: deps.publicUrl ?? '/', description: 'This Countersign server' }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`cs_…`) or an OIDC access token',
          },
          // the console's sign-in cookie, served only when console sign-in is configured
          ...(deps.console ? { consoleSession: CONSOLE_SESSION_SCHEME } : {}),
        },
      },
      security: [{ bearer: [] }, ...(deps.console ? [{ consoleSession: [] }] : [])],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (deps.devMode) reply.header('x-countersign-dev-mode', 'on; anyone can act');
  });

  /** Authentication for /v1: sets req.principal or answers 401 (or 429 when over budget). */
  const authenticate = createAuthHook({
    authenticator: deps.authenticator,
    sessions: deps.console?.sessions ?? null,
    limits,
  });
  protectMetrics(app, authenticate);
  const metrics = registerMetrics(app, deps.notifications?.bus ?? null, deps.operations);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate);
      const services = deps.services;
      await v1.register(decisionRoutes, { services });
      await v1.register(approvalRoutes, { services, wait: deps.notifications });
      await v1.register(apiKeyRoutes, { services });
      await v1.register(gateRoutes, { services, metrics });
      if (deps.notifications) {
        const { bus, heartbeatMs, maxStreamMs } = deps.notifications;
        await v1.register(approvalStreamRoutes, { services, bus, heartbeatMs, maxStreamMs });
        await v1.register(notifyRoutes, { services });
      }
      await v1.register(auditRoutes, { services, origin: deps.auditOrigin });
      await v1.register(auditTileRoutes, { services });
      await v1.register(checkpointKeyRoute, { auditOrigin: deps.auditOrigin, jwks: deps.jwks });
      await v1.register(evidenceRoutes, { services });
      await v1.register(policyFactRoutes, { services });
    },
    { prefix: '/v1' },
  );
  await app.register(healthRoutes, { store: deps.store, operations: deps.operations });
  if (deps.slackInteractions) {
    await registerSlackInteractionRoutes(app, deps.slackInteractions, limits);
  }
  if (deps.githubWebhook) await registerGithubWebhookRoute(app, deps.githubWebhook);
  if (deps.console) registerConsoleAuthRoutes(app, deps.console);
  await registerConsoleRoutes(app);
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'getJwks',
        tags: ['keys'],
        summary: 'Public keys: credential keys and the checkpoint key, marked by purpose',
        security: [],
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return deps.jwks();
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
