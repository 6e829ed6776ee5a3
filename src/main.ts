/**
 * Composition root: config → store → key ring → policy → services → HTTP and workers. The only
 * place that wires dependencies.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { CountersignConfig } from './config/index.js';
import { providerHealth, readSecretEnv } from './config/index.js';
import { createOutboxHook } from './notify/outbox.js';
import {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from './notify/worker.js';
import { openKeyRing, type KeyRing } from './credentials/index.js';
import { issueCredential } from './credentials/issue.js';
import { assertReferencedFiles } from './config/preflight.js';
import { createGateVerifier } from './credentials/gate-verifier.js';
import { createCheckpointKeys } from './credentials/checkpoint-keys.js';
import { createAttestationSigner } from './evidence/attestation-signer.js';
import type { ApprovalRequest } from './domain/approval.js';
import { SYSTEM_PRINCIPAL } from './domain/principal.js';
import { buildApp, LOG_REDACT } from './http/app.js';
import { LOG_SERIALIZERS } from './http/log-serializers.js';
import { createAuthenticator } from './identity/authenticate.js';
import { assertDevModeLoopback, createIdentity } from './http/identity-wiring.js';
import { isoAt, systemClock, type Clock } from './lib/clock.js';
import { randomIds, type IdGenerator } from './lib/ids.js';
import { startPeriodic } from './lib/periodic.js';
import { enqueueExpiryReminders } from './notify/reminders.js';
import { createSlackInteractions } from './notify/slack/interactions.js';
import {
  createPolicyEngine,
  loadPolicyFile,
  loadRepositoryRouting,
  type LoadedPolicyEngine,
} from './policy-engine.js';
import { auditEvent } from './services/audit-events.js';
import {
  createServices,
  EventBus,
  type CredentialMinter,
  type Services,
} from './services/index.js';
import { startExpirySweeper } from './services/lifecycle-service.js';
import {
  announceChangeHook,
  composeChangeHooks,
  createApprovalRelay,
} from './services/approval-relay.js';
import { startApprovalListener } from './store/postgres/postgres-listener.js';
import { createGithubCallbackSender } from './integrations/github/callback-sender.js';
import { createGithubDeploymentHook } from './integrations/github/deployment-hook.js';
import { GITHUB_DEPLOYMENT_PROVIDER } from './integrations/github/protection-rule.js';
import type { GithubWebhookDeps } from './integrations/github/webhook-handler.js';
import { InputError } from './errors/index.js';
import type { GithubIntegrationConfig } from './config/index.js';
import { openStore } from './store/open-store.js';
import { acquireServerLock } from './store/sqlite/server-lock.js';
import { StartupError } from './errors/startup-error.js';
import type { Store } from './store/port.js';

export interface Runtime {
  config: CountersignConfig;
  store: Store;
  keyRing: KeyRing;
  policy: LoadedPolicyEngine;
  services: Services;
  bus: EventBus;
  clock: Clock;
  ids: IdGenerator;
  /** The outbox delivery worker (started by `startServer`). */
  delivery: DeliveryWorker;
  close(): Promise<void>;
}

/** Test and bench overrides of the delivery worker. */
export type NotifyOverrides = Partial<
  Pick<DeliveryWorkerOptions, 'secrets' | 'fetch' | 'timeoutMs' | 'pollMs' | 'random'>
>;

export function packageVersion(): string {
  // compiled: dist/src/main.js; run from source (tsx): src/main.ts
  const file = existsSync(new URL('../../package.json', import.meta.url))
    ? new URL('../../package.json', import.meta.url)
    : new URL('../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return pkg.version;
}

/** Signs the credential of an approved request with the newest active credential key. */
export function createMinter(
  keyRing: KeyRing,
  signing: { issuer: string; maxCredentialTtlMs: number },
  clock: Clock,
  ids: IdGenerator,
): CredentialMinter {
  return {
    async mint(req: ApprovalRequest) {
      const d = req.decision;
      let ttlMs = d.credentialTtlSec * 1000;
      // a break-glass credential never outlives the break-glass window
      if (req.breakGlass) ttlMs = Math.min(ttlMs, Date.parse(req.expiresAt) - clock.now());
      const issued = await issueCredential(
        {
          approvalId: req.id,
          project: req.action.project,
          environment: req.action.environment,
          posture: d.posture ?? 'prod',
          action: {
            kind: req.action.kind,
            mode: req.action.mode,
            target: req.action.target ?? null,
            repository: req.action.repository ?? null,
            sourceEnvironment: req.action.sourceEnvironment ?? null,
            pipelineVersion: req.action.pipelineVersion ?? null,
          },
          specHash: req.action.specHash,
          configHash: req.action.configHash ?? null,
          capabilities: d.requiredCapabilities,
          riskTags: d.riskTags,
          constraints: d.constraints,
          rule: d.matchedRule,
          quorum: d.quorum,
          policySnapshot: d.policySnapshot,
          requestedBy: req.requestedBy.id,
          approvers: req.reviews
            .filter((r) => r.verdict === 'approve')
            .map((r) => ({ sub: r.reviewer.id, groups: r.groups })),
          breakGlass: req.breakGlass !== null,
          singleUse: d.singleUse,
        },
        {
          keyRing,
          clock,
          issuer: signing.issuer,
          ttlMs,
          maxTtlMs: signing.maxCredentialTtlMs,
          ids,
        },
      );
      return {
        token: issued.token,
        jti: issued.claims.jti,
        kid: issued.kid,
        issuedAt: isoAt(issued.claims.iat * 1000),
        expiresAt: isoAt(issued.claims.exp * 1000),
      };
    },
  };
}

export async function openRuntime(
  config: CountersignConfig,
  opts: { clock?: Clock; ids?: IdGenerator; migrate?: boolean; notify?: NotifyOverrides } = {},
): Promise<Runtime> {
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const policy = createPolicyEngine(
    loadPolicyFile(config.policy.file),
    loadRepositoryRouting(config.policy.repositoryRouting),
  );
  const keyRing = await openKeyRing(config.signing.keysDir, { clock });
  await keyRing.ensureKeys();
  const store = await openStore(config.store, { migrate: opts.migrate ?? true });
  const bus = new EventBus();
  const services = createServices({
    store,
    clock,
    ids,
    policy,
    bus,
    minter: createMinter(keyRing, config.signing, clock, ids),
    verifier: createGateVerifier(keyRing, config.signing),
    changeHook: composeChangeHooks(
      createOutboxHook({ config: config.notifications, clock, ids }),
      config.integrations.github ? createGithubDeploymentHook({ ids, clock }) : null,
      announceChangeHook,
    ),
    auditKeys: createCheckpointKeys(keyRing, config.audit.origin),
    attestationSigner: createAttestationSigner(keyRing),
    witnessing: {
      witnesses: config.audit.witnesses.map((w) => ({
        name: w.name,
        url: w.url,
        key: { name: w.name, publicKey: w.publicKey },
      })),
      minCosignatures: config.audit.minCosignatures,
    },
    callbackAllowlist: config.notifications.callbackAllowlist,
    rbac: config.identity.rbac,
    linkTemplates: config.console.links,
  });
  const delivery = createDeliveryWorker({
    store,
    bus,
    clock,
    ids,
    config: config.notifications,
    consoleUrl: config.server.publicUrl,
    secrets: (name) => readSecretEnv(name),
    ...(config.integrations.github
      ? { senders: { [GITHUB_DEPLOYMENT_PROVIDER]: githubSender(config.integrations.github) } }
      : {}),
    ...opts.notify,
  });
  return {
    config,
    store,
    keyRing,
    policy,
    services,
    bus,
    clock,
    ids,
    delivery,
    close: async () => {
      await delivery.stop();
      await store.close();
    },
  };
}

/** The GitHub App's callback sender; its private key is read when the first callback goes out. */
function githubSender(gh: GithubIntegrationConfig) {
  return createGithubCallbackSender({
    appId: gh.appId,
    apiUrl: gh.apiUrl,
    privateKey: () => {
      if (gh.privateKeyEnv !== null) return readSecretEnv(gh.privateKeyEnv);
      try {
        return readFileSync(gh.privateKeyFile as string, 'utf8');
      } catch {
        return undefined;
      }
    },
  });
}

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

/** Records which policy is in force (once per start, and only when it changed). */
async function recordPolicyLoaded(rt: Runtime): Promise<void> {
  const last = await rt.store.listAuditEvents({ type: 'policy.loaded' }, { limit: 1_000_000 });
  const previous = last.items.at(-1)?.event.details.policySnapshot;
  if (previous === rt.policy.snapshot()) return;
  await rt.store.transaction(async (tx) => {
    await tx.appendAudit(
      auditEvent(rt, 'policy.loaded', SYSTEM_PRINCIPAL, {
        outcome: 'loaded',
        details: {
          policySnapshot: rt.policy.snapshot(),
          previousSnapshot: previous ?? null,
          file: rt.config.policy.file,
        },
      }),
    );
  });
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
    runtime = await openRuntime(config, {
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.notify ? { notify: opts.notify } : {}),
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  await recordPolicyLoaded(runtime);
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
  const app = await buildApp({
    services: runtime.services,
    authenticator,
    store: runtime.store,
    devMode: config.server.devMode,
    bodyLimit: config.server.bodyLimitBytes,
    logger,
    version: packageVersion(),
    auditOrigin: config.audit.origin,
    jwks: () => runtime.keyRing.publicJwks(),
    corsOrigins: config.server.cors.origins,
    rateLimit: config.server.rateLimit,
    trustProxy: config.server.trustProxy,
    console: identity.console,
    notifications: { bus: runtime.bus, delivery: runtime.delivery, clock: runtime.clock },
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
