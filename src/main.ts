/**
 * The server: a runtime from the one composition root (runtime.ts), then the HTTP app, the
 * workers (delivery, expiry sweeper, checkpoints, reminders, key reload) and replica wake-ups.
 */
import { packageVersion } from './lib/package-version.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { CountersignConfig } from './config/index.js';
import { providerHealth, readSecretEnv } from './config/index.js';
import { assertReferencedFiles } from './config/preflight.js';
import { InputError } from './errors/index.js';
import { StartupError } from './errors/startup-error.js';
import { assertDevModeLoopback, createIdentity } from './http/identity-wiring.js';
import { LOG_SERIALIZERS } from './http/log-serializers.js';
import { createAuthenticator, type Authenticator } from './identity/authenticate.js';
import type { AppDeps } from './http/app.js';
import type { GithubWebhookDeps } from './integrations/github/webhook-handler.js';
import { isoAt, systemClock, type Clock } from './lib/clock.js';
import { startPeriodic } from './lib/periodic.js';
import { enqueueExpiryReminders } from './notify/reminders.js';
import { composeRuntime, type NotifyOverrides, type Runtime } from './runtime.js';
import { createApprovalRelay } from './services/approval-relay.js';
import { startExpirySweeper } from './services/lifecycle-service.js';
import { createSlackInteractions } from './services/slack-interactions.js';
import { startApprovalListener } from './store/postgres/postgres-listener.js';
import { acquireServerLock } from './store/sqlite/server-lock.js';

export type { NotifyOverrides, Runtime } from './runtime.js';

/** The webhook route's dependencies; the server refuses to start without the webhook secret. */
function githubWebhookDeps(rt: Runtime): GithubWebhookDeps | null {
  const gh = rt.config.integrations.github;
  if (!gh) return null;
  const webhookSecret = readSecretEnv(gh.webhookSecretEnv);
  if (!webhookSecret) {
    throw new InputError('validation_failed', 'the GitHub webhook secret is not set', [
      {
        path: 'integrations.github.webhookSecretEnv',
        message: `environment variable ${gh.webhookSecretEnv} is empty or unset`,
      },
    ]);
  }
  const { services, store, clock, ids } = rt;
  return { config: gh, webhookSecret, services, store, clock, ids };
}

/**
 * With PostgreSQL, changes made on any replica wake this replica's waiters (LISTEN/NOTIFY);
 * with SQLite, the in-process bus already sees every change. Returns the stop function.
 */
async function startReplicaWakeups(rt: Runtime, logger: pino.Logger): Promise<() => Promise<void>> {
  if (rt.config.store.kind !== 'postgres') return async () => undefined;
  const relay = createApprovalRelay({
    store: rt.store,
    bus: rt.bus,
    onError: (err) => logger.warn({ err }, 'change notice re-read failed'),
  });
  const listener = startApprovalListener({
    url: rt.config.store.url,
    onNotice: (n) => relay.onNotice(n),
    onReconnect: () => {
      logger.info('change listener reconnected');
      relay.recheckWatched();
    },
    onError: (err) => logger.warn({ err }, 'change listener lost its connection'),
  });
  // the first connect failing is not fatal: it keeps retrying, and waiters still time out
  await listener.ready.catch((err: unknown) =>
    logger.error({ err }, 'change listener could not connect; retrying'),
  );
  return async () => {
    relay.stop();
    await listener.stop();
  };
}

/** Slack button approvals, when `notifications.providers.slack.interactive` is configured. */
function slackInteractionsFor(rt: Runtime, notify: NotifyOverrides | undefined) {
  const slack = rt.config.notifications.providers.slack;
  if (!slack?.interactive) return null;
  return createSlackInteractions({
    store: rt.store,
    reviews: rt.services.reviews,
    slack,
    rbac: rt.config.identity.rbac,
    secrets: notify?.secrets ?? ((name) => readSecretEnv(name)),
    clock: rt.clock,
    consoleUrl: rt.config.server.publicUrl,
    ...(notify?.fetch ? { fetch: notify.fetch } : {}),
  });
}

/** What differs between the apps built over one runtime: who is calling, logging, extras. */
export interface RuntimeAppOptions {
  authenticator: Pick<Authenticator, 'authenticate'>;
  logger: AppDeps['logger'];
  /** Console sign-in, notification routes, Slack, GitHub, operations, or overrides. */
  extras?: Partial<Omit<AppDeps, 'services' | 'authenticator' | 'logger'>>;
}

/**
 * The HTTP app over a runtime: the server's (startServer) and the CLI's local mode, which runs it
 * in process behind the typed client (cli/in-process.ts), so both answer with the same routes.
 */
export async function buildRuntimeApp(
  rt: Runtime,
  opts: RuntimeAppOptions,
): Promise<FastifyInstance> {
  // the HTTP layer (Fastify, every route and schema) is loaded only when an app is built, so CLI
  // commands that work on the store's own files start without it
  const { buildApp } = await import('./http/app.js');
  const { config } = rt;
  return buildApp({
    services: rt.services,
    authenticator: opts.authenticator,
    store: rt.store,
    devMode: config.server.devMode,
    bodyLimit: config.server.bodyLimitBytes,
    logger: opts.logger,
    version: packageVersion(),
    publicUrl: config.server.publicUrl,
    auditOrigin: config.audit.origin,
    jwks: () => rt.keyRing.publicJwks(),
    corsOrigins: config.server.cors.origins,
    rateLimit: config.server.rateLimit,
    trustProxy: config.server.trustProxy,
    ...opts.extras,
  });
}

export interface Server {
  runtime: Runtime;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  config: CountersignConfig,
  opts: {
    logLevel?: string;
    clock?: Clock;
    logStream?: pino.DestinationStream;
    notify?: NotifyOverrides;
  } = {},
): Promise<Server> {
  // config validation refuses this too; a config built in code must not slip past it
  assertDevModeLoopback(config);
  // the HTTP layer (Fastify, every route and schema) is loaded only by the server, so CLI commands
  // that work on a store in process start without it
  const { LOG_REDACT } = await import('./http/app.js');
  // every unreadable or malformed file the configuration names, listed together with its path
  assertReferencedFiles(config);
  const identity = createIdentity(config, opts.clock ?? systemClock);
  // one server per SQLite file: refused before anything is opened or started
  const lock =
    config.store.kind === 'sqlite' && config.store.path !== ':memory:'
      ? acquireServerLock(config.store.path)
      : null;
  let runtime: Runtime;
  try {
    runtime = await composeRuntime(config, {
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.notify ? { notify: opts.notify } : {}),
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  await runtime.services.policyRecord.recordLoaded(config.policy.file);
  const logOptions = {
    level: opts.logLevel ?? 'info',
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
  };
  const logger = opts.logStream ? pino(logOptions, opts.logStream) : pino(logOptions);
  const authenticator = createAuthenticator({
    store: runtime.store,
    oidc: identity.oidc,
    devMode: config.server.devMode,
    nowIso: () => isoAt(runtime.clock.now()),
  });
  const app = await buildRuntimeApp(runtime, {
    authenticator,
    logger,
    extras: {
      console: identity.console,
      notifications: { bus: runtime.bus, clock: runtime.clock },
      slackInteractions: slackInteractionsFor(runtime, opts.notify),
      githubWebhook: githubWebhookDeps(runtime),
      operations: {
        stats: () => runtime.store.opsStats(),
        // the same secrets the delivery worker reads
        providers: () =>
          providerHealth(config.notifications, opts.notify?.secrets ?? ((n) => readSecretEnv(n))),
        now: () => runtime.clock.now(),
        serialised: () => runtime.store.serialisedSection(),
      },
    },
  });
  runtime.delivery.start(logger);
  const sweeper = startExpirySweeper(
    () => runtime.services.lifecycle.sweepExpired(),
    1000,
    (err) => logger.error({ err }, 'expiry sweep failed'),
  );
  // signed checkpoints at most every audit.checkpointEvery, only when the log grew
  const checkpointer = startPeriodic(
    async () => {
      await runtime.services.audit.checkpoint();
      // then to the witnesses; a witness that does not answer is retried on the next round
      for (const o of await runtime.services.witnesses.witnessLatest()) {
        if (!o.ok) logger.warn({ witness: o.witness }, `witness: ${o.message}`);
      }
    },
    Math.max(100, config.audit.checkpointEveryMs),
    (err) => logger.error({ err }, 'checkpoint failed'),
  );
  // "expiring soon" reminders, enqueued once per request through the outbox
  const reminders = startPeriodic(
    () =>
      enqueueExpiryReminders({
        store: runtime.store,
        clock: runtime.clock,
        ids: runtime.ids,
        config: config.notifications,
      }),
    30_000,
    (err) => logger.error({ err }, 'expiry reminders failed'),
  );
  const stopKeyWatch = runtime.keyRing.watch(1000, (err) =>
    logger.error({ err }, 'key reload failed'),
  );
  const stopReplicaWakeups = await startReplicaWakeups(runtime, logger);
  const close = async () => {
    sweeper.stop();
    checkpointer.stop();
    reminders.stop();
    stopKeyWatch();
    await stopReplicaWakeups();
    await app.close();
    await runtime.close();
    lock?.release();
  };
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await close();
    throw listenError(err, config.server.listen);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return { runtime, app, url: `http://${host}:${port}`, close };
}

/** A listen failure an operator can act on, instead of a bare errno. */
function listenError(err: unknown, listen: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const change = 'choose another with --listen HOST:PORT or server.listen in countersign.yaml';
  if (code === 'EADDRINUSE') {
    return new StartupError(
      'address_in_use',
      `${listen} is already in use (another Countersign, or another program, listens there): stop it, or ${change}`,
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new StartupError(
      'address_not_permitted',
      `cannot listen on ${listen} (${code === 'EACCES' ? 'ports below 1024 need privileges' : 'no such local address'}): ${change}`,
    );
  }
  return err;
}
