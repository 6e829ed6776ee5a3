/**
 * An in-process Countersign for tests: a real SQLite file in a temp dir, the real policy
 * parser, services and Fastify app (driven with app.inject), real API keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Principal, Scope } from '../../src/domain/principal.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import type { LinkTemplates } from '../../src/lib/link-templates.js';
import type { RbacConfig } from '../../src/config/config-types.js';
import { createAuthenticator, type TokenVerifier } from '../../src/identity/authenticate.js';
import { FakeClock, isoAt } from '../../src/lib/clock.js';
import { randomIds } from '../../src/lib/ids.js';
import { createPolicyEngine } from '../../src/policy/engine.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { EventBus } from '../../src/services/index.js';
import {
  type CredentialMinter,
  type PolicyEngine,
  type Services,
  type WitnessingConfig,
} from '../../src/services/index.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { KeyRing } from '../../src/credentials/index.js';
import { defaultConfig, type CountersignConfig } from '../../src/config/index.js';
import { composeRuntime } from '../../src/runtime.js';

export const TEST_POLICY = `
version: 1
environments:
  dev:
    posture: dev
    sideEffects: allow
    replay: allowed
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    replay: allowed
    breakGlass: { groups: [incident-commanders], maxDuration: 4h, requireExternalRef: true }
    actions:
      deploy:
        capabilities: [deploy]
        approvers: { groups: [release-managers, sre], min: 2, mode: each }
        credentialTtl: 1h
      restart:
        approvers: { groups: [sre], min: 1 }
      replay:
        capabilities: [replay.execute]
        approvers: { groups: [sre], min: 1 }
        singleUse: true
  staging:
    posture: staging
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    replay: dry_run_only
    actions:
      deploy:
        capabilities: [deploy]
        approvers: { groups: [release-managers], min: 1 }
  qa:
    posture: staging
    sideEffects: require_approval
    approvers: { groups: [sre], min: 1 }
    replay: disabled
  locked:
    posture: prod
    sideEffects: deny
    breakGlass: { groups: [incident-commanders], maxDuration: 1h, requireExternalRef: true }
defaults:
  requestTtl: 1h
  maxRequestTtl: 24h
`;

export interface TestKey {
  key: string;
  principal: Principal;
}

export interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  keyRing: KeyRing;
  services: Services;
  clock: FakeClock;
  bus: EventBus;
  dbPath: string;
  dir: string;
  keys: Record<string, TestKey>;
  /** Replaces the policy in force. */
  setPolicy(yaml: string): void;
  /** Creates another API key. */
  addKey(name: string, scopes: Scope[], groups?: string[]): Promise<TestKey>;
  auth(name: string): { authorization: string };
  close(): Promise<void>;
}

export async function createHarness(
  opts: {
    policy?: string;
    devMode?: boolean;
    minter?: CredentialMinter | null;
    callbackAllowlist?: string[];
    /** RBAC for eligibility (default none). */
    rbac?: RbacConfig;
    /** Verifier for bearer tokens that are not API keys (default none: they are 401). */
    oidc?: TokenVerifier | null;
    /** Console link templates (`console.links`). */
    linkTemplates?: LinkTemplates;
    /** Hardening and console options passed to buildApp as they are. */
    app?: Pick<
      AppDeps,
      'corsOrigins' | 'rateLimit' | 'console' | 'operations' | 'trustProxy' | 'compileSchemas'
    >;
    /** Witnesses that cosign checkpoints (default none). */
    witnessing?: WitnessingConfig;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-test-'));
  const dbPath = join(dir, 'countersign.db');
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  // a swappable policy, so tests can change it under a running server (policy drift)
  let engine = createPolicyEngine(parsePolicy(opts.policy ?? TEST_POLICY, 'test-policy'));
  const policy: PolicyEngine = {
    snapshot: () => engine.snapshot(),
    normalizeAction: (i) => engine.normalizeAction(i),
    evaluate: (a) => engine.evaluate(a),
    breakGlassRules: (e) => engine.breakGlassRules(e),
    requestTtlMs: () => engine.requestTtlMs(),
    maxRequestTtlMs: () => engine.maxRequestTtlMs(),
    allowsCrossEnvironmentReplay: (e) => engine.allowsCrossEnvironmentReplay(e),
    decisionsDiffer: (a, b) => engine.decisionsDiffer(a, b),
    requiresRegisteredVersion: (e, k) => engine.requiresRegisteredVersion(e, k),
    describeRule: (r) => engine.describeRule?.(r) ?? null,
    approvalReasonRequired: (e) => engine.approvalReasonRequired?.(e) ?? true,
    breakGlassEnvironments: () => engine.breakGlassEnvironments?.() ?? [],
  };
  const defaults = defaultConfig(dir);
  const config: CountersignConfig = {
    ...defaults,
    store: { kind: 'sqlite', path: dbPath },
    signing: {
      issuer: 'countersign:test',
      keysDir: join(dir, 'keys'),
      maxCredentialTtlMs: 24 * 3_600_000,
      clockSkewMs: 30_000,
    },
    audit: { ...defaults.audit, origin: 'countersign.test/audit' },
    identity: { ...defaults.identity, ...(opts.rbac ? { rbac: opts.rbac } : {}) },
    notifications: {
      ...defaults.notifications,
      callbackAllowlist: opts.callbackAllowlist ?? [],
    },
    console: { ...defaults.console, links: opts.linkTemplates ?? {} },
  };
  // the one composition root, with a fake clock, the swappable policy and no change hooks
  const runtime = await composeRuntime(config, {
    clock,
    ids: randomIds,
    policy,
    changeHook: null,
    ...(opts.minter !== undefined ? { minter: opts.minter } : {}),
    ...(opts.witnessing ? { witnessing: opts.witnessing } : {}),
  });
  const { keyRing, services, bus } = runtime;
  // a SQLite file, as configured above
  const store = runtime.store as SqliteStore;
  const authenticator = createAuthenticator({
    store,
    oidc: opts.oidc ?? null,
    devMode: opts.devMode ?? false,
    nowIso: () => isoAt(clock.now()),
  });
  const app = await buildApp({
    services,
    authenticator,
    store,
    devMode: opts.devMode ?? false,
    bodyLimit: 64 * 1024,
    logger: false,
    version: 'test',
    // most tests call a few routes (one test compiles them all at start: openapi.test.ts)
    compileSchemas: 'on-first-use',
    ...opts.app,
    auditOrigin: 'countersign.test/audit',
    jwks: () => keyRing.publicJwks(),
  });
  const keys: Record<string, TestKey> = {};
  const addKey = async (name: string, scopes: Scope[], groups: string[] = []): Promise<TestKey> => {
    const out = await services.apiKeys.create(
      SYSTEM_PRINCIPAL,
      { name, scopes, groups },
      { bootstrap: true },
    );
    const principal: Principal = {
      id: `apikey:${out.record.id}`,
      kind: 'apikey',
      name,
      groups,
      scopes,
      fingerprint: `apikey:${out.record.id}`,
    };
    keys[name] = { key: out.key, principal };
    return keys[name] as TestKey;
  };
  await addKey('admin', ['admin']);
  await addKey('requester', ['approvals:request', 'gate:check']);
  await addKey('alice', ['approvals:review'], ['release-managers']);
  await addKey('bob', ['approvals:review'], ['sre']);
  await addKey('carol', ['approvals:review'], ['release-managers']);
  await addKey('ic', ['approvals:request'], ['incident-commanders']);
  return {
    app,
    store,
    keyRing,
    services,
    clock,
    bus,
    dbPath,
    dir,
    keys,
    addKey,
    setPolicy: (yaml) => {
      engine = createPolicyEngine(parsePolicy(yaml, 'test-policy'));
    },
    auth: (name) => {
      const k = keys[name];
      if (!k) throw new Error(`no test key ${name}`);
      return { authorization: `Bearer ${k.key}` };
    },
    close: async () => {
      await app.close();
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const deployAction = (image = 'shop:1.4.2') => ({
  kind: 'deploy',
  environment: 'prod',
  project: 'shop',
  spec: { image, replicas: 3 },
  target: 'k8s/prod/shop',
  reason: 'release 1.4.2',
});
