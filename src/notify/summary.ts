/** The facts every provider shows, extracted once from an approval (docs/domain.md §8). */
import { quorumProgress } from '../domain/approval.js';
import type { ApprovalRequest, ApprovalState } from '../domain/approval.js';
import type { Posture, QuorumMode } from '../domain/decision.js';
import { formatDuration } from '../lib/duration.js';
import type { NotificationEvent } from './events.js';
import type { NotificationsConfig } from '../config/config-types.js';

/** Where the fields below come from is untrusted requester input, so it is bounded here. */
const MAX_TEXT = 500;

export interface NotifyContext {
  /** Base URL of the console (`server.publicUrl`). */
  readonly consoleUrl: string;
  readonly config: NotificationsConfig;
}

export interface QuorumSummary {
  readonly min: number;
  readonly mode: QuorumMode;
  readonly groups: readonly string[];
  readonly approvals: number;
  /** Groups (mode `each`) that still have no approval. */
  readonly missingGroups: readonly string[];
  /** Names of the distinct reviewers who approved. */
  readonly approvedBy: readonly string[];
  readonly met: boolean;
}

export interface OutcomeSummary {
  readonly state: ApprovalState;
  readonly actor: string | null;
  readonly reason: string | null;
  readonly externalRef: string | null;
  readonly at: string | null;
}

export interface BreakGlassSummary {
  readonly actor: string;
  readonly reason: string;
  readonly approverGroup: string;
  readonly externalRef: string | null;
}

export interface ApprovalSummary {
  readonly id: string;
  readonly state: ApprovalState;
  readonly kind: string;
  readonly mode: string;
  readonly environment: string;
  readonly posture: Posture | null;
  readonly project: string;
  readonly target: string | null;
  readonly repository: string | null;
  readonly requester: { readonly id: string; readonly name: string };
  readonly workflow: string | null;
  readonly runId: string | null;
  readonly stepId: string | null;
  /** Why the requester wants this (action reason or request note). */
  readonly requestReason: string | null;
  readonly matchedRule: string | null;
  readonly decisionReason: string;
  readonly severity: string | null;
  readonly riskTags: readonly string[];
  readonly constraints: Readonly<Record<string, unknown>>;
  readonly requiredCapabilities: readonly string[];
  readonly specHash: string;
  readonly configHash: string | null;
  readonly actionHash: string;
  readonly policySnapshot: string;
  readonly approverGroups: readonly string[];
  readonly quorum: QuorumSummary;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly outcome: OutcomeSummary | null;
  readonly breakGlass: BreakGlassSummary | null;
  readonly consoleLink: string;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function bounded(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : truncate(text, MAX_TEXT);
}

export function consoleLink(consoleUrl: string, approvalId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/console/approvals/${encodeURIComponent(approvalId)}`;
}

function outcomeOf(a: ApprovalRequest): OutcomeSummary | null {
  if (a.state === 'pending') return null;
  const entry = [...a.history].reverse().find((h) => h.event === a.state);
  const deny = a.state === 'denied' ? a.reviews.find((r) => r.verdict === 'deny') : undefined;
  return {
    state: a.state,
    actor: bounded(deny?.reviewer.name ?? entry?.actor),
    reason: bounded(deny?.reason ?? entry?.reason),
    externalRef: bounded(deny?.externalRef ?? entry?.externalRef),
    at: entry?.at ?? a.decidedAt,
  };
}

function breakGlassOf(a: ApprovalRequest): BreakGlassSummary | null {
  if (!a.breakGlass) return null;
  const entry = a.history.find((h) => h.event === 'break_glass');
  return {
    actor: truncate(entry?.actor ?? a.requestedBy.name, MAX_TEXT),
    reason: truncate(a.breakGlass.reason, MAX_TEXT),
    approverGroup: a.breakGlass.approverGroup,
    externalRef: bounded(a.breakGlass.externalRef),
  };
}

export function summarize(
  a: ApprovalRequest,
  ctx: Pick<NotifyContext, 'consoleUrl'>,
): ApprovalSummary {
  const progress = quorumProgress(a.quorum, a.reviews);
  const approvedBy = [
    ...new Set(a.reviews.filter((r) => r.verdict === 'approve').map((r) => r.reviewer.name)),
  ];
  const { action, decision } = a;
  return {
    id: a.id,
    state: a.state,
    kind: truncate(action.kind, 100),
    mode: action.mode,
    environment: action.environment,
    posture: decision.posture,
    project: truncate(action.project, 200),
    target: bounded(action.target),
    repository: bounded(action.repository),
    requester: { id: a.requestedBy.id, name: truncate(a.requestedBy.name, 200) },
    workflow: bounded(action.workflow),
    runId: bounded(action.runId),
    stepId: bounded(action.stepId),
    requestReason: bounded(action.reason ?? a.note),
    matchedRule: decision.matchedRule,
    decisionReason: truncate(decision.reason, MAX_TEXT),
    severity: decision.severity,
    riskTags: action.riskTags,
    constraints: action.constraints,
    requiredCapabilities: decision.requiredCapabilities,
    specHash: action.specHash,
    configHash: action.configHash ?? null,
    actionHash: a.actionHash,
    policySnapshot: decision.policySnapshot,
    approverGroups: a.approverGroups,
    quorum: {
      min: progress.min,
      mode: a.quorum.mode,
      groups: a.quorum.groups,
      approvals: progress.approvals,
      missingGroups: progress.missingGroups,
      approvedBy,
      met: progress.met,
    },
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    outcome: outcomeOf(a),
    breakGlass: breakGlassOf(a),
    consoleLink: consoleLink(ctx.consoleUrl, a.id),
  };
}

const OUTCOME_WORD: Record<ApprovalState, string> = {
  pending: 'Pending',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  cancelled: 'Cancelled',
  revoked: 'Revoked',
};

/** One line naming what happened: "Approval requested: deploy in prod (payments/api)". */
export function headline(event: NotificationEvent, s: ApprovalSummary): string {
  const what = `${s.kind} in ${s.environment} (${s.project})`;
  switch (event.kind) {
    case 'requested':
      return `Approval requested: ${what}`;
    case 'decided':
      return `${OUTCOME_WORD[event.outcome]}: ${what}`;
    case 'break_glass':
      return `BREAK-GLASS: ${what}`;
    case 'reviewed':
      return `Review ${event.reviews} recorded (${s.quorum.approvals}/${s.quorum.min} approvals): ${what}`;
    case 'expiring_soon': {
      const left = Math.max(0, Date.parse(s.expiresAt) - Date.parse(event.at));
      return `Expires in ${formatDuration(left)}: ${what}`;
    }
  }
}

export function formatConstraints(constraints: Readonly<Record<string, unknown>>): string {
  const parts = Object.keys(constraints)
    .sort()
    .map((k) => `${k}=${JSON.stringify(constraints[k]) ?? 'null'}`);
  return parts.length === 0 ? 'none' : truncate(parts.join(', '), MAX_TEXT);
}

export function formatQuorum(q: QuorumSummary): string {
  let text = `${q.approvals}/${q.min} approvals (${q.mode} of ${q.groups.join(', ') || 'none'})`;
  if (q.missingGroups.length > 0) text += `; still needed: ${q.missingGroups.join(', ')}`;
  if (q.approvedBy.length > 0) text += `; approved by ${q.approvedBy.join(', ')}`;
  return text;
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/**
 * The labelled facts in display order; providers lay them out natively. Absent optional
 * fields are left out rather than shown empty.
 */
export function facts(s: ApprovalSummary): Fact[] {
  const out: Fact[] = [];
  const add = (label: string, value: string | null): void => {
    if (value !== null && value !== '') out.push({ label, value });
  };
  add('Requested by', s.requester.name);
  add('Environment', s.posture ? `${s.environment} (posture ${s.posture})` : s.environment);
  add('Project', s.project);
  add('Action', `${s.kind} (${s.mode})`);
  add('Target', s.target);
  add('Repository', s.repository);
  const run = [
    s.workflow && `workflow ${s.workflow}`,
    s.runId && `run ${s.runId}`,
    s.stepId && `step ${s.stepId}`,
  ].filter((x): x is string => typeof x === 'string');
  add('Workflow', run.length > 0 ? run.join(' / ') : null);
  add('Matched rule', s.matchedRule);
  add('Decision reason', s.decisionReason);
  add('Request reason', s.requestReason);
  add('Risk tags', list(s.riskTags));
  add('Capabilities', list(s.requiredCapabilities));
  add('Constraints', formatConstraints(s.constraints));
  add('Quorum', formatQuorum(s.quorum));
  add('Expires', s.expiresAt);
  add('Spec hash', s.specHash);
  add('Config hash', s.configHash);
  if (s.outcome) {
    const by = s.outcome.actor ? ` by ${s.outcome.actor}` : '';
    const why = s.outcome.reason ? `: ${s.outcome.reason}` : '';
    add('Outcome', `${OUTCOME_WORD[s.outcome.state]}${by}${why}`);
  }
  if (s.breakGlass) {
    add('Break-glass by', s.breakGlass.actor);
    add('Break-glass reason', s.breakGlass.reason);
    add('Incident', s.breakGlass.externalRef ?? 'none given');
  }
  return out;
}
