/**
 * Every port the services need, in one place: what the composition root (src/main.ts) plugs in
 * (policy, store, minter, verifier, checkpoint keys, witnesses, change hooks, delivery), and
 * {@link ServiceDeps}, narrowed per service with Pick<> at the call sites. Adapters implement
 * these interfaces; no port is declared in a service's own file.
 */
import type { RbacConfig } from '../config/config-types.js';
import type { Action } from '../domain/action.js';
import type { ApprovalChangeEvent, ApprovalRequest } from '../domain/approval.js';
import type { DecisionDraft } from '../domain/decision.js';
import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import type { Store, StoreTx } from '../store/port.js';
import type { EventBus } from './event-bus.js';
import type { DsseSigner } from '../evidence/dsse.js';
import type { BreakGlassEnvironmentOption } from '../policy/describe.js';
import type { LinkTemplates } from '../lib/link-templates.js';
import type { NoteKey, NoteSigner } from '../audit/index.js';
import type { CredentialClaims, VerifyCode } from '../credentials/verify/index.js';
import type { Principal } from '../domain/principal.js';
import type { DeliveryView } from '../notify/delivery-view.js';
import type { DeliveryTarget } from '../notify/evidence.js';
import type { SendResult } from '../notify/send.js';
import type { auditEvent } from './audit-events.js';

/** Verifies a credential for an action under an environment posture (cached per key-set generation). */
export interface GateVerifier {
  verify(
    token: string,
    action: Action,
    opts: { posture: string | null; requiredCapabilities: readonly string[]; nowMs: number },
  ): Promise<
    | { ok: true; claims: CredentialClaims }
    | { ok: false; code: VerifyCode; message: string; details?: Record<string, unknown> }
  >;
}

/** The checkpoint key: a dedicated audit key, never a credential key. */
export interface AuditKeys {
  origin: string;
  signer(): NoteSigner;
  /** Every checkpoint key that may have signed a stored checkpoint (active and retired). */
  verifierKeys(): NoteKey[];
}

/** A witness as the log talks to it. */
export interface WitnessEndpoint {
  name: string;
  /** Submission prefix: the request goes to `<url>/add-checkpoint`. */
  url: string;
  key: NoteKey;
}

export interface WitnessingConfig {
  witnesses: readonly WitnessEndpoint[];
  /** Cosignatures a checkpoint needs before evidence bundles use it. */
  minCosignatures: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface DeliverNowOptions {
  /** Only these targets (providers or `callback`); all configured ones when absent. */
  readonly providers?: readonly DeliveryTarget[];
  /** Who asked (recorded as the actor of the audit events). */
  readonly actor?: Principal;
}

/** Sends a request's notifications on demand (the outbox worker). */
export interface NotificationDelivery {
  /**
   * Delivers an approval's notifications now: enqueues any that are missing, attempts every one
   * not yet delivered (dead ones too) and returns the redacted evidence.
   */
  deliverNow(approvalId: string, opts?: DeliverNowOptions): Promise<DeliveryView[]>;
}

/**
 * Sends outbox rows of one provider that is not a notification provider. The worker leases,
 * retries (with the same backoff), records and audits them like notifications.
 */
export interface DeliverySender {
  /** One attempt; `target` is the redacted target to show as evidence (no secret). */
  send(
    payload: string,
    opts: { readonly signal: AbortSignal; readonly timeoutMs: number },
  ): Promise<SendResult & { readonly target: string | null }>;
  /** The audit fields of the row (what it answers), from its payload. */
  auditFields(payload: string): Partial<Parameters<typeof auditEvent>[3]>;
}

export interface BreakGlassRules {
  groups: string[];
  maxDurationMs: number;
  requireExternalRef: boolean;
}

/** The loaded policy, as services see it. */
export interface PolicyEngine {
  snapshot(): string;
  normalizeAction(input: unknown): Action;
  evaluate(action: Action): DecisionDraft;
  breakGlassRules(environment: string): BreakGlassRules | null;
  requestTtlMs(): number;
  maxRequestTtlMs(): number;
  allowsCrossEnvironmentReplay(environment: string): boolean;
  /** Whether two decisions differ in outcome, capabilities, approver groups or quorum. */
  decisionsDiffer(a: DecisionDraft, b: DecisionDraft): boolean;
  /** Whether an execute `kind` in `environment` needs a registered spec hash (policy switch). */
  requiresRegisteredVersion(environment: string, kind: string): boolean;
  /** The policy's description of a matched rule (absent: none are shown). */
  describeRule?(matchedRule: string | null): string | null;
  /** Whether an approve in this environment must state a reason (absent: always). */
  approvalReasonRequired?(environment: string): boolean;
  /** Environments where break-glass is allowed, with their choices (absent: none listed). */
  breakGlassEnvironments?(): BreakGlassEnvironmentOption[];
}

/** Issues the credential for an approved request (wired when signing keys are configured). */
export interface CredentialMinter {
  mint(req: ApprovalRequest): Promise<{
    token: string;
    jti: string;
    kid: string;
    issuedAt: string;
    expiresAt: string;
  }>;
}

/**
 * Called inside the transaction of every request change, after the audit event, so work that
 * must happen because of the change (notification outbox rows) commits or rolls back with it.
 */
export interface ChangeHook {
  onChange(tx: StoreTx, approval: ApprovalRequest, event: ApprovalChangeEvent): Promise<void>;
}

export type { ApprovalChangeEvent } from '../domain/approval.js';

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  policy: PolicyEngine;
  bus: EventBus;
  minter: CredentialMinter | null;
  /** Verifies credentials at the gate; null when no key set is available (fail closed). */
  verifier: GateVerifier | null;
  /** The checkpoint signer and verifier keys of the audit log; null = no checkpoints. */
  auditKeys: AuditKeys | null;
  /** Notification outbox (and anything else that must commit with a change); null = none. */
  changeHook: ChangeHook | null;
  /** URL prefixes a callbackUrl must start with; empty = callbacks refused. */
  callbackAllowlist: readonly string[];
  /** Group mappings and repository permissions for eligibility; absent = none (EMPTY_RBAC). */
  rbac?: RbacConfig;
  /** Console link templates (`console.links`) for repository, workflow, run and commit. */
  linkTemplates?: LinkTemplates;
  /** Signs approval attestations (DSSE) with the active credential key; absent = none. */
  attestationSigner?: DsseSigner | null;
  /** Witnesses that cosign checkpoints and how many cosignatures evidence needs; absent = none. */
  witnessing?: WitnessingConfig | null;
  /** Sends a request's notifications on demand (the outbox worker); absent = not running. */
  delivery?: NotificationDelivery | null;
}
