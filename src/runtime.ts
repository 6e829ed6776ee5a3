/**
 * Opening a Countersign runtime from its configuration: the store, the key ring, the policy, the
 * services and the notification delivery worker, wired once.
 */
import { readFileSync } from 'node:fs';
import type { CountersignConfig, GithubIntegrationConfig } from './config/index.js';
import { readSecretEnv } from './config/index.js';
import { loadPolicyFile, loadRepositoryRouting } from './config/policy-files.js';
import { createCheckpointKeys } from './credentials/checkpoint-keys.js';
import { createGateVerifier } from './credentials/gate-verifier.js';
import { openKeyRing, type KeyRing } from './credentials/index.js';
import { createAttestationSigner } from './evidence/attestation-signer.js';
import { createGithubCallbackSender } from './integrations/github/callback-sender.js';
import { createGithubDeploymentHook } from './integrations/github/deployment-hook.js';
import { GITHUB_DEPLOYMENT_PROVIDER } from './integrations/github/protection-rule.js';
import { systemClock, type Clock } from './lib/clock.js';
import { randomIds, type IdGenerator } from './lib/ids.js';
import { createPolicyEngine } from './policy/engine.js';
import { announceChangeHook, composeChangeHooks } from './services/approval-relay.js';
import { createMinter } from './services/credential-minter.js';
import {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from './services/delivery-worker.js';
import {
  createServices,
  EventBus,
  type CredentialMinter,
  type PolicyEngine,
  type Services,
  type WitnessingConfig,
} from './services/index.js';
import { createOutboxHook } from './services/outbox-hook.js';
import type { ChangeHook } from './services/ports.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/port.js';

export interface Runtime {
  config: CountersignConfig;
  store: Store;
  keyRing: KeyRing;
  policy: PolicyEngine;
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

/** Parts of a runtime to use instead of the ones config describes (tests, benches). */
export interface RuntimeOverrides {
  clock?: Clock;
  ids?: IdGenerator;
  /** Apply pending migrations when opening the store (default true). */
  migrate?: boolean;
  notify?: NotifyOverrides;
  /** The policy in force instead of `policy.file` (e.g. one a test swaps under a running server). */
  policy?: PolicyEngine;
  /** Who signs credentials; null = none are issued. */
  minter?: CredentialMinter | null;
  /** What runs in each change's transaction; null = nothing (no outbox rows, no hooks). */
  changeHook?: ChangeHook | null;
  /** Checkpoint witnesses instead of `audit.witnesses`. */
  witnessing?: WitnessingConfig;
}

/**
 * The one composition root: config → store → key ring → policy → services and the delivery
 * worker. The server (src/main.ts), the CLI's local mode and the tests' harness all build their
 * runtime here; `opts` replace parts (a fake clock, a swappable policy, no minter) without
 * rewiring the rest.
 */
export async function composeRuntime(
  config: CountersignConfig,
  opts: RuntimeOverrides = {},
): Promise<Runtime> {
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const policy =
    opts.policy ??
    createPolicyEngine(
      loadPolicyFile(config.policy.file),
      loadRepositoryRouting(config.policy.repositoryRouting),
    );
  const keyRing = await openKeyRing(config.signing.keysDir, { clock });
  await keyRing.ensureKeys();
  const store = await openStore(config.store, { migrate: opts.migrate ?? true });
  const bus = new EventBus();
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
  const services = createServices({
    store,
    clock,
    ids,
    policy,
    bus,
    minter:
      opts.minter === undefined ? createMinter(keyRing, config.signing, clock, ids) : opts.minter,
    verifier: createGateVerifier(keyRing, config.signing),
    changeHook:
      opts.changeHook === undefined
        ? composeChangeHooks(
            createOutboxHook({ config: config.notifications, clock, ids }),
            config.integrations.github ? createGithubDeploymentHook({ ids, clock }) : null,
            announceChangeHook,
          )
        : opts.changeHook,
    auditKeys: createCheckpointKeys(keyRing, config.audit.origin),
    attestationSigner: createAttestationSigner(keyRing),
    witnessing: opts.witnessing ?? {
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
    delivery,
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
