/** The parsed, validated, defaults-expanded policy (docs/domain.md §2, docs/policy.md `policy.yaml`). */
import type { Posture, Quorum } from '../domain/decision.js';

export type SideEffects = 'allow' | 'require_approval' | 'deny';
export type ReplayMode = 'allowed' | 'dry_run_only' | 'disabled';
/** What an `actions` entry or a `rules` entry decides. */
export type EntryOutcome = 'allow' | 'require_approval' | 'deny';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const POSTURES: readonly Posture[] = ['dev', 'staging', 'prod'];
export const SIDE_EFFECTS: readonly SideEffects[] = ['allow', 'require_approval', 'deny'];
export const REPLAY_MODES: readonly ReplayMode[] = ['allowed', 'dry_run_only', 'disabled'];
export const ENTRY_OUTCOMES: readonly EntryOutcome[] = ['allow', 'require_approval', 'deny'];
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/**
 * What an environment `actions[kind]` entry or a `rules` entry says. `outcome: null` means the
 * entry did not name one: it requires approval when it names approvers, otherwise it follows
 * the environment's `sideEffects`.
 */
export interface PolicyEntry {
  readonly outcome: EntryOutcome | null;
  readonly capabilities: readonly string[];
  /** Normalised quorum (`each` with `min` below the group count is raised to the count). */
  readonly approvers: Readonly<Quorum> | null;
  readonly credentialTtlMs: number | null;
  readonly singleUse: boolean | null;
  readonly riskTags: readonly string[];
  readonly constraints: Readonly<Record<string, unknown>>;
  readonly severity: Severity | null;
  /** What the entry is for, as written in the policy (shown to reviewers). */
  readonly description?: string | null;
}

export interface BreakGlassPolicy {
  readonly groups: readonly string[];
  readonly maxDurationMs: number;
  readonly requireExternalRef: boolean;
}

export interface EnvironmentPolicy {
  readonly id: string;
  readonly posture: Posture;
  readonly sideEffects: SideEffects;
  /** Approvers for kinds without their own entry (and entries that name none). */
  readonly approvers: Readonly<Quorum> | null;
  readonly replay: ReplayMode;
  readonly crossEnvironmentReplay: boolean;
  readonly dryRunReplayRequiresApproval: boolean;
  /**
   * Execute actions whose spec hash must be a registered pipeline version of the project:
   * `'all'` (written `true`), a list of action kinds, or none (`false`, the default).
   */
  readonly requireRegisteredVersion: 'all' | readonly string[];
  /** null: break-glass is not allowed in this environment. */
  readonly breakGlass: BreakGlassPolicy | null;
  /** Null-prototype record keyed by action kind; look up with `Object.hasOwn`. */
  readonly actions: Readonly<Record<string, PolicyEntry>>;
  readonly description?: string | null;
  /**
   * `optional`: an approve needs no reason here (a deny and break-glass always do). Absent or
   * `required`: every review states a reason.
   */
  readonly approvalReason?: ApprovalReason;
}

export type ApprovalReason = 'required' | 'optional';
export const APPROVAL_REASONS: readonly ApprovalReason[] = ['required', 'optional'];

export interface RuleMatch {
  /** Any of these kinds; null = any kind. */
  readonly kind: readonly string[] | null;
  readonly targetGlob: string | null;
  /** All of these tags must be on the action. */
  readonly riskTags: readonly string[];
  /** Any of these environments; null = every environment. */
  readonly environments: readonly string[] | null;
  readonly repository: string | null;
}

export interface PolicyRule extends PolicyEntry {
  readonly id: string;
  readonly match: RuleMatch;
}

export interface RoutingMatch {
  readonly kind: readonly string[] | null;
  readonly ruleId: string | null;
  readonly ruleIdPrefix: string | null;
  readonly targetGlob: string | null;
  readonly targetContains: string | null;
  readonly riskTags: readonly string[];
  readonly severity: readonly Severity[] | null;
  readonly repository: string | null;
}

export interface RoutingRule {
  /** The rule's `id`, or its position (`routing[2]`) when it has none. */
  readonly id: string;
  readonly match: RoutingMatch;
  /** The groups that replace the decision's approver groups. */
  readonly approverGroups: readonly string[];
}

export interface PolicyDefaults {
  readonly requestTtlMs: number;
  readonly maxRequestTtlMs: number;
  readonly credentialTtlMs: number;
}

export interface Policy {
  readonly version: 1;
  /** Where the document came from (file path or a label); used in messages only. */
  readonly source: string;
  /** `sha256:` of JCS of the document as written. */
  readonly snapshot: string;
  /** The document as written (parsed, before defaults). */
  readonly document: unknown;
  /** Null-prototype record keyed by environment id; use `environmentOf`. */
  readonly environments: Readonly<Record<string, EnvironmentPolicy>>;
  readonly rules: readonly PolicyRule[];
  readonly routing: readonly RoutingRule[];
  readonly defaults: PolicyDefaults;
}

export const DEFAULT_REQUEST_TTL_MS = 24 * 3_600_000;
export const DEFAULT_MAX_REQUEST_TTL_MS = 720 * 3_600_000;
export const DEFAULT_CREDENTIAL_TTL_MS = 3_600_000;
export const DEFAULT_BREAK_GLASS_MS = 4 * 3_600_000;
