/**
 * CAVRA approval records (schema `cavra.approval.v1`) → the parts of a Countersign request.
 * Every record is validated completely before anything is built from it, so a bad record is
 * reported whole and never half-imported. Names in a record (`requested_by`, `decided_by`,
 * history actors) were self-asserted in CAVRA: they become `imported` principals, never users.
 */
import type { HistoryEntry, HistoryEventName, Review } from '../../domain/approval.js';
import type { PrincipalRef } from '../../domain/principal.js';
import { isPlainObject } from './notes.js';

export type CavraState = 'pending' | 'approved' | 'denied' | 'expired' | 'break_glass';
const STATES: readonly CavraState[] = ['pending', 'approved', 'denied', 'expired', 'break_glass'];
const HISTORY_EVENTS: readonly string[] = [
  'requested',
  'approved',
  'denied',
  'expired',
  'break_glass',
];
const APPROVAL_ID = /^apr_[A-Za-z0-9]{1,48}$/;
const ACTION_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export interface CavraHistoryEvent {
  event: string;
  actor: string;
  at: string;
  reason: string | null;
  externalRef: string | null;
}

/** A validated CAVRA approval record; timestamps normalised to ISO-8601 UTC. */
export interface CavraApproval {
  approvalId: string;
  decisionId: string;
  sessionId: string;
  correlationId: string | null;
  state: CavraState;
  approverGroup: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  externalRef: string | null;
  breakGlassReason: string | null;
  decision: {
    actionType: string;
    target: string | null;
    requestedOperation: string | null;
    ruleId: string | null;
    policyPack: string | null;
    verdict: string | null;
    severity: string | null;
    reason: string | null;
    repository: string | null;
  };
  history: CavraHistoryEvent[];
  evidenceRefs: string[];
}

export type ParsedRecord = { ok: true; record: CavraApproval } | { ok: false; errors: string[] };

class Check {
  readonly errors: string[] = [];
  constructor(private readonly obj: Record<string, unknown>) {}
  str(key: string, required: boolean, max = 4000): string | null {
    const v = Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
    if (v === undefined || v === null || v === '') {
      if (required) this.errors.push(`${key} is required`);
      return null;
    }
    if (typeof v !== 'string') this.errors.push(`${key} must be a string`);
    else if (v.length > max) this.errors.push(`${key} must be at most ${max} characters`);
    else return v;
    return null;
  }
  time(key: string, required: boolean): string | null {
    const v = this.str(key, required, 64);
    if (v === null) return null;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) {
      this.errors.push(`${key} is not an ISO-8601 time`);
      return null;
    }
    return new Date(ms).toISOString();
  }
}

function readDecision(value: unknown, errors: string[]): CavraApproval['decision'] | null {
  if (!isPlainObject(value)) {
    errors.push('decision must be an object');
    return null;
  }
  const c = new Check(value);
  const actionType = c.str('action_type', true, 128);
  if (actionType !== null && !ACTION_TYPE.test(actionType))
    c.errors.push('decision.action_type is not an action type');
  const out = {
    actionType: actionType ?? '',
    target: c.str('target', false, 2048),
    requestedOperation: c.str('requested_operation', false),
    ruleId: c.str('rule_id', false, 256),
    policyPack: c.str('policy_pack', false, 256),
    verdict: c.str('decision', false, 64),
    severity: c.str('severity', false, 64),
    reason: c.str('reason', false),
    repository: c.str('repository', false, 256) ?? c.str('repo', false, 256),
  };
  errors.push(...c.errors.map((e) => (e.startsWith('decision.') ? e : `decision.${e}`)));
  return out;
}

function readHistory(value: unknown, errors: string[]): CavraHistoryEvent[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push('history must be a non-empty list');
    return [];
  }
  return value.flatMap((item, i) => {
    if (!isPlainObject(item)) {
      errors.push(`history[${i}] must be an object`);
      return [];
    }
    const c = new Check(item);
    const event = c.str('event', true, 64);
    if (event !== null && !HISTORY_EVENTS.includes(event))
      c.errors.push(`event ${event} is not a CAVRA history event`);
    const entry = {
      event: event ?? '',
      actor: c.str('actor', true, 256) ?? '',
      at: c.time('timestamp', true) ?? '',
      reason: c.str('reason', false),
      externalRef: c.str('external_ref', false, 256),
    };
    errors.push(...c.errors.map((e) => `history[${i}].${e}`));
    return [entry];
  });
}

/** The state-dependent rules of CAVRA's state machine (F3, F7). */
function checkState(
  r: Omit<CavraApproval, 'history'>,
  raw: Record<string, unknown>,
  errors: string[],
): void {
  const decided = r.state !== 'pending';
  if (decided && r.state !== 'expired' && (r.decidedBy === null || r.decidedAt === null)) {
    errors.push(`a record in state ${r.state} needs decided_by and decided_at`);
  }
  if (!decided && (r.decidedBy !== null || r.decidedAt !== null))
    errors.push('a pending record has no decision');
  const flag = raw.break_glass === true;
  if ((r.state === 'break_glass') !== flag)
    errors.push('break_glass must be true exactly when state is break_glass');
  if (r.state === 'break_glass' && r.breakGlassReason === null)
    errors.push('break_glass_reason is required');
}

/** Validates one record; every problem is listed. */
export function parseCavraApproval(raw: unknown): ParsedRecord {
  if (!isPlainObject(raw)) return { ok: false, errors: ['a record must be an object'] };
  const c = new Check(raw);
  if (raw.schema_version !== 'cavra.approval.v1')
    c.errors.push('schema_version must be cavra.approval.v1');
  const approvalId = c.str('approval_id', true, 64);
  if (approvalId !== null && !APPROVAL_ID.test(approvalId))
    c.errors.push('approval_id must be apr_ and letters or digits');
  const state = c.str('state', true, 64);
  if (state !== null && !(STATES as readonly string[]).includes(state))
    c.errors.push(`unsupported approval state: ${state}`);
  const record = {
    approvalId: approvalId ?? '',
    decisionId: c.str('decision_id', true, 256) ?? '',
    sessionId: c.str('session_id', false, 256) ?? 'local',
    correlationId: c.str('correlation_id', false, 256),
    state: (state ?? 'pending') as CavraState,
    approverGroup: c.str('approver_group', true, 128) ?? '',
    requestedBy: c.str('requested_by', false, 256) ?? 'ai-agent',
    requestedAt: c.time('requested_at', true) ?? '',
    expiresAt: c.time('expires_at', true) ?? '',
    decidedBy: c.str('decided_by', false, 256),
    decidedAt: c.time('decided_at', false),
    decisionReason: c.str('decision_reason', false),
    externalRef: c.str('external_ref', false, 256),
    breakGlassReason: c.str('break_glass_reason', false),
    decision: readDecision(raw.decision, c.errors) ?? ({} as CavraApproval['decision']),
    evidenceRefs: Array.isArray(raw.evidence_refs)
      ? raw.evidence_refs.filter((e): e is string => typeof e === 'string')
      : [],
  };
  const history = readHistory(raw.history, c.errors);
  if (c.errors.length === 0) checkState(record, raw, c.errors);
  return c.errors.length > 0
    ? { ok: false, errors: c.errors }
    : { ok: true, record: { ...record, history } };
}

/** A name from a CAVRA record, as an unverified principal reference. */
export function importedPrincipal(name: string): PrincipalRef {
  return { id: `cavra:${name}`, kind: 'imported', name, fingerprint: `cavra:${name}` };
}

/** The Countersign id of a CAVRA approval: deterministic, so importing twice finds it. */
export function importedApprovalId(cavraId: string): string {
  return `apr_cavra_${cavraId.slice('apr_'.length)}`;
}

/** The action input (before normalisation) an imported record stands for. */
export function cavraActionInput(r: CavraApproval, opts: { environment: string; project: string }) {
  const d = r.decision;
  return {
    kind: d.actionType,
    environment: opts.environment,
    project: d.repository ?? opts.project,
    spec: {
      source: 'cavra',
      decisionId: r.decisionId,
      actionType: d.actionType,
      target: d.target,
      requestedOperation: d.requestedOperation,
    },
    ...(d.target !== null ? { target: d.target } : {}),
    ...(d.repository !== null ? { repository: d.repository } : {}),
    ...(d.reason !== null ? { reason: d.reason } : {}),
  };
}

const HISTORY_NAME: Record<string, HistoryEventName> = {
  requested: 'requested',
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  break_glass: 'break_glass',
};

/** The request fields that come straight from the record. */
export function cavraRequestParts(r: CavraApproval) {
  const state = r.state === 'break_glass' ? 'approved' : r.state;
  const lastAt = r.history.at(-1)?.at ?? r.requestedAt;
  const decidedAt = state === 'pending' ? null : (r.decidedAt ?? lastAt);
  const reviews: Review[] =
    (r.state === 'approved' || r.state === 'denied' || r.state === 'break_glass') &&
    r.decidedBy !== null
      ? [
          {
            reviewer: importedPrincipal(r.decidedBy),
            verdict: r.state === 'denied' ? 'deny' : 'approve',
            reason: r.decisionReason ?? r.breakGlassReason ?? '',
            externalRef: r.externalRef,
            groups: [r.approverGroup],
            at: decidedAt as string,
          },
        ]
      : [];
  const history: HistoryEntry[] = r.history.map((h) => ({
    event: HISTORY_NAME[h.event] as HistoryEventName,
    actor: `cavra:${h.actor}`,
    at: h.at,
    ...(h.reason !== null ? { reason: h.reason } : {}),
    ...(h.externalRef !== null ? { externalRef: h.externalRef } : {}),
  }));
  return {
    state,
    requestedBy: importedPrincipal(r.requestedBy),
    createdAt: r.requestedAt,
    decidedAt,
    reviews,
    history,
    breakGlass:
      r.state === 'break_glass'
        ? {
            reason: r.breakGlassReason as string,
            approverGroup: r.approverGroup,
            externalRef: r.externalRef,
          }
        : null,
  } as const;
}
