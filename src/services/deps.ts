/** What services need, narrowed per service with Pick<> at the call sites. */
import type { RbacConfig } from '../config/config-types.js';
import type { Action } from '../domain/action.js';
import type { ApprovalRequest } from '../domain/approval.js';
import type { DecisionDraft } from '../domain/decision.js';
import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import type { Store, StoreTx } from '../store/port.js';
import type { EventBus } from './event-bus.js';
import type { GateVerifier } from './gate-service.js';
import type { AuditKeys } from './audit-service.js';
import type { DsseSigner } from '../evidence/dsse.js';
import type { BreakGlassEnvironmentOption } from '../policy/describe.js';
import type { LinkTemplates } from '../lib/link-templates.js';
import type { WitnessingConfig } from './witness-service.js';
import type { DeliveryWorker } from '../notify/worker.js';

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

export type ApprovalChangeEvent =
  | 'requested'
  | 'reviewed'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'revoked'
  | 'break_glass';

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
  delivery?: Pick<DeliveryWorker, 'deliverNow'> | null;
}
