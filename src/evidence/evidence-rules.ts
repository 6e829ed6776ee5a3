/**
 * The checks of an evidence bundle that need no keys: every event belongs to the approval and
 * agrees with it, the request agrees with itself and its decisions, and its stored state is the
 * state its events lead to. Inputs have passed parseEvidenceBundle, but are still untrusted.
 */
import { boundFields } from '../domain/action.js';
import { canTransition, type ApprovalState } from '../domain/approval.js';
import type { AuditEventType } from '../domain/audit-event.js';
import { computeSpecHash } from '../credentials/verify/spec-hash.js';
import { jcs, jcsHash } from '../lib/hash.js';
import { checkRecord } from './evidence-record.js';
import type { EvidenceBundle, EvidenceEvent, EvidenceProblem } from './evidence-types.js';

const STATE_AFTER: Partial<Record<AuditEventType, ApprovalState>> = {
  'approval.requested': 'pending',
  'approval.break_glass': 'approved',
  'approval.approved': 'approved',
  'approval.denied': 'denied',
  'approval.expired': 'expired',
  'approval.cancelled': 'cancelled',
  'approval.revoked': 'revoked',
};
/** Events that describe the request itself: they carry its action hash and spec hash. */
const REQUEST_EVENTS: readonly string[] = [
  ...Object.keys(STATE_AFTER),
  'approval.reviewed',
  'credential.issued',
];

/** The approval's own events (not the decision events of attached decisions). */
export function approvalEvents(b: EvidenceBundle): EvidenceEvent[] {
  return b.events.filter((e) => e.event.approvalId === b.approval.id);
}

/** Every event is about this approval, or is the evaluation of one of its decisions. */
export function checkMembership(b: EvidenceBundle): EvidenceProblem[] {
  const a = b.approval;
  const decisionIds = new Set([a.decision.decisionId, ...(a.attachedDecisions ?? [])]);
  const problems: EvidenceProblem[] = [];
  const mismatch = (e: EvidenceEvent, why: string) =>
    problems.push({ code: 'event_mismatch', message: `event ${e.index} (${e.event.type}) ${why}` });
  for (const e of b.events) {
    const ev = e.event;
    if (ev.approvalId !== a.id) {
      if (
        ev.type === 'decision.evaluated' &&
        typeof ev.decisionId === 'string' &&
        decisionIds.has(ev.decisionId)
      ) {
        if (ev.actionHash !== a.actionHash) mismatch(e, 'evaluated another action');
        continue;
      }
      mismatch(e, 'is not about this approval');
      continue;
    }
    if (ev.environment !== a.action.environment || ev.project !== a.action.project) {
      mismatch(e, 'names another environment or project');
    }
    // a gate event may record a rejected attempt with another action: only request events must agree
    if (REQUEST_EVENTS.includes(ev.type)) {
      if (ev.actionHash !== a.actionHash) mismatch(e, 'has another action hash');
      if (ev.specHash !== a.action.specHash) mismatch(e, 'has another spec hash');
    }
  }
  return problems;
}

function sameJson(x: unknown, y: unknown): boolean {
  try {
    return jcs(x) === jcs(y);
  } catch {
    return false;
  }
}

/** The request's hashes recompute, and its decisions are the ones it names. */
export function checkApproval(b: EvidenceBundle): EvidenceProblem[] {
  const a = b.approval;
  const problems: EvidenceProblem[] = [];
  try {
    const action = a.action;
    if (action.spec !== undefined && computeSpecHash(action.spec) !== action.specHash) {
      problems.push({
        code: 'approval_mismatch',
        message: 'the spec does not hash to the spec hash',
      });
    }
    const bound = boundFields(action, a.decision);
    if (jcsHash(bound) !== a.actionHash) {
      problems.push({
        code: 'approval_mismatch',
        message: 'the action hash does not recompute from the bound action fields',
      });
    }
  } catch {
    problems.push({ code: 'approval_mismatch', message: 'the action cannot be canonicalized' });
  }
  if (a.decision.actionHash !== a.actionHash) {
    problems.push({
      code: 'decision_mismatch',
      message: "the request's decision is for another action",
    });
  }
  if (!sameJson(b.decision, a.decision)) {
    problems.push({
      code: 'decision_mismatch',
      message: "the bundle's decision is not the request's",
    });
  }
  const attachedIds = a.attachedDecisions ?? [];
  const listed = b.attachedDecisions.map((d) => d.decisionId);
  if (!sameJson(listed, attachedIds)) {
    problems.push({
      code: 'decision_mismatch',
      message: 'the attached decisions are not the ones the request lists',
    });
  }
  for (const d of b.attachedDecisions) {
    if (d.actionHash !== a.actionHash) {
      problems.push({
        code: 'decision_mismatch',
        message: `attached decision ${d.decisionId} is for another action`,
      });
    }
  }
  return problems;
}

/**
 * Replays the request's state events in log order: it starts with its creation, every step is a
 * legal transition, the last state is the stored state; then the request document (requester,
 * reviews, break-glass, history) is compared field by field with the events (checkRecord).
 */
export function checkState(b: EvidenceBundle): EvidenceProblem[] {
  const a = b.approval;
  const events = approvalEvents(b);
  const problems: EvidenceProblem[] = [];
  const fail = (message: string) => problems.push({ code: 'state_mismatch', message });
  let state: ApprovalState | undefined;
  for (const e of events) {
    const next = STATE_AFTER[e.event.type];
    if (next === undefined) continue;
    const creation =
      e.event.type === 'approval.requested' || e.event.type === 'approval.break_glass';
    if (state === undefined ? !creation : creation || !canTransition(state, next)) {
      fail(`event ${e.index} (${e.event.type}) is not a legal step from ${state ?? 'nothing'}`);
    }
    state = next;
  }
  if (state === undefined) fail('no event records the creation of the request');
  else if (state !== a.state) fail(`the events end in ${state}, the request says ${a.state}`);
  const firstIsBreakGlass =
    events.find((e) => STATE_AFTER[e.event.type])?.event.type === 'approval.break_glass';
  if (firstIsBreakGlass !== (a.breakGlass !== null)) {
    fail('break-glass on the request and in the events disagree');
  }
  problems.push(...checkRecord(b, events));
  return problems;
}
