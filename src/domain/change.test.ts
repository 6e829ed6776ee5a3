import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalChangeEvent, ApprovalRequest } from './approval.js';
import { AUDIT_EVENT_TYPES } from './audit-event.js';
import {
  auditTypeOf,
  breakGlassChange,
  decideChange,
  isRefusal,
  NOTIFICATION_OF_CHANGE,
  type ApprovalChange,
  type ApprovalCommand,
  type ChangeActor,
  type ChangeResult,
} from './change.js';
import type { Decision } from './decision.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

const actor = (id: string, extra: Partial<ChangeActor> = {}): ChangeActor => ({
  id,
  kind: 'apikey',
  name: id,
  fingerprint: `fp:${id}`,
  ...extra,
});

const decision = {
  decisionId: 'dec_1',
  outcome: 'require_approval',
  reasonCode: 'policy_requires_approval',
  actionHash: 'sha256:abc',
  environment: 'prod',
} as unknown as Decision;

function pending(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_1',
    state: 'pending',
    version: 3,
    action: { environment: 'prod', project: 'shop' } as ApprovalRequest['action'],
    actionHash: 'sha256:abc',
    decision,
    approverGroups: ['release', 'sre'],
    quorum: { min: 2, groups: ['release', 'sre'], mode: 'any' },
    requestedBy: actor('requester'),
    createdAt: new Date(T0 - 60_000).toISOString(),
    expiresAt: new Date(T0 + 3_600_000).toISOString(),
    decidedAt: null,
    breakGlass: null,
    reviews: [],
    history: [{ event: 'requested', actor: 'requester', at: new Date(T0 - 60_000).toISOString() }],
    note: null,
    callbackUrl: null,
    ...over,
  };
}

const review = (
  id: string,
  verdict: 'approve' | 'deny',
  groups: string[],
  reason = 'ok',
): Extract<ApprovalCommand, { kind: 'review' }> => ({
  kind: 'review',
  verdict,
  actor: actor(id),
  reviewerGroups: groups,
  reason,
  reasonRequired: true,
});

function changed(r: ChangeResult): ApprovalChange {
  if (isRefusal(r)) assert.fail(`refused: ${r.refused} (${r.message})`);
  return r;
}

function refused(r: ChangeResult): string {
  assert.ok(isRefusal(r), 'expected a refusal');
  return r.refused;
}

describe('the change pipeline (domain/change.ts)', () => {
  it('a review short of quorum stays pending and records one reviewed entry', () => {
    const c = changed(decideChange(pending(), review('alice', 'approve', ['release']), T0));
    assert.equal(c.next.state, 'pending');
    assert.equal(c.event, 'reviewed');
    assert.equal(c.audit.type, 'approval.reviewed');
    assert.equal(c.notification, 'reviewed');
    assert.equal(c.next.version, 3, 'the writer bumps the version, not the decision');
    assert.deepEqual(
      c.next.history.slice(1).map((h) => h.event),
      ['reviewed'],
    );
    assert.deepEqual(c.review?.groups, ['release']);
    assert.equal(c.next.decidedAt, null);
  });

  it('the review that meets quorum approves: reviewed then approved, decided now', () => {
    const first = changed(decideChange(pending(), review('alice', 'approve', ['release']), T0));
    const c = changed(decideChange(first.next, review('bob', 'approve', ['sre']), T0 + 1000));
    assert.equal(c.next.state, 'approved');
    assert.equal(c.event, 'approved');
    assert.equal(c.audit.type, 'approval.approved');
    assert.equal(c.audit.outcome, 'approved');
    assert.equal(c.notification, 'decided');
    assert.equal(c.next.decidedAt, new Date(T0 + 1000).toISOString());
    assert.deepEqual(
      c.next.history.slice(1).map((h) => h.event),
      ['reviewed', 'reviewed', 'approved'],
    );
    assert.equal(c.audit.details.approvals, 2);
  });

  it('deny wins over approvals already counted', () => {
    const first = changed(decideChange(pending(), review('alice', 'approve', ['release']), T0));
    const c = changed(decideChange(first.next, review('bob', 'deny', ['sre'], 'no'), T0));
    assert.equal(c.next.state, 'denied');
    assert.equal(c.audit.type, 'approval.denied');
  });

  it('refuses in the order the API reports: state, self-review, eligibility, one review each', () => {
    const done = pending({ state: 'approved' });
    assert.equal(
      refused(decideChange(done, review('alice', 'approve', ['release']), T0)),
      'approval_not_pending',
    );
    const expired = pending({ expiresAt: new Date(T0).toISOString() });
    assert.equal(
      refused(decideChange(expired, review('alice', 'approve', ['release']), T0)),
      'approval_not_pending',
    );
    assert.equal(
      refused(decideChange(pending(), review('requester', 'approve', ['release']), T0)),
      'self_approval',
    );
    // the same credential under another name is the same party
    const alias: ApprovalCommand = {
      ...review('x', 'approve', ['release']),
      actor: actor('x', { fingerprint: 'fp:requester' }),
    };
    assert.equal(refused(decideChange(pending(), alias, T0)), 'self_approval');
    assert.equal(
      refused(decideChange(pending(), review('mallory', 'approve', ['ops']), T0)),
      'not_eligible',
    );
    const once = changed(decideChange(pending(), review('alice', 'approve', ['release']), T0));
    assert.equal(
      refused(decideChange(once.next, review('alice', 'approve', ['release']), T0)),
      'already_reviewed',
    );
  });

  it('a deny always needs a reason; an approve only where policy requires one', () => {
    assert.equal(
      refused(decideChange(pending(), review('bob', 'deny', ['sre'], '  '), T0)),
      'reason_required',
    );
    assert.equal(
      refused(decideChange(pending(), review('bob', 'approve', ['sre'], ''), T0)),
      'reason_required',
    );
    const optional: ApprovalCommand = {
      ...review('bob', 'approve', ['sre'], ''),
      reasonRequired: false,
    };
    const c = changed(decideChange(pending(), optional, T0));
    assert.equal(c.review?.reason, '');
  });

  it('cancel, expire and revoke: from where, to where, and who', () => {
    const cancel = changed(
      decideChange(
        pending(),
        { kind: 'cancel', actor: actor('requester'), reason: 'not needed' },
        T0,
      ),
    );
    assert.equal(cancel.next.state, 'cancelled');
    assert.equal(cancel.audit.type, 'approval.cancelled');
    assert.equal(cancel.audit.reasonCode, null);
    assert.deepEqual(cancel.audit.details, { reason: 'not needed', previousState: 'pending' });
    assert.equal(cancel.next.history.at(-1)?.actorName, 'requester');

    // the sweeper records a request past its expiry as expired, with the reason code
    const late = pending({ expiresAt: new Date(T0 - 1).toISOString() });
    const swept = changed(
      decideChange(
        late,
        { kind: 'expire', actor: actor('system', { kind: 'system', system: true }) },
        T0,
      ),
    );
    assert.equal(swept.next.state, 'expired');
    assert.equal(swept.audit.reasonCode, 'expired');
    // but nobody cancels what has already expired
    assert.equal(
      refused(decideChange(late, { kind: 'cancel', actor: actor('requester') }, T0)),
      'approval_not_pending',
    );

    assert.equal(
      refused(decideChange(pending(), { kind: 'revoke', actor: actor('admin'), reason: 'x' }, T0)),
      'approval_not_approved',
    );
    const approved = pending({ state: 'approved', decidedAt: new Date(T0 - 5).toISOString() });
    const revoke = changed(
      decideChange(approved, { kind: 'revoke', actor: actor('admin'), reason: 'leaked' }, T0),
    );
    assert.equal(revoke.next.state, 'revoked');
    assert.equal(revoke.next.decidedAt, approved.decidedAt, 'a revoke keeps when it was decided');
    assert.equal(revoke.notification, 'decided');
  });

  it('break-glass is one record: approved by the declarer as who they are', () => {
    const c = breakGlassChange(
      {
        id: 'apr_bg',
        actor: actor('ic'),
        declarerGroups: ['incident-commanders'],
        action: pending().action,
        decision: { ...decision, outcome: 'allow' } as Decision,
        reason: 'outage',
        approverGroup: 'sre',
        externalRef: 'INC-1',
        expiresInMs: 600_000,
      },
      T0,
    );
    assert.equal(c.next.state, 'approved');
    assert.equal(c.event, 'break_glass');
    assert.equal(c.audit.type, 'approval.break_glass');
    assert.equal(c.audit.approvalRequired, false);
    assert.equal(c.notification, 'break_glass');
    assert.deepEqual(c.next.reviews[0]?.groups, ['incident-commanders']);
    assert.equal(c.next.expiresAt, new Date(T0 + 600_000).toISOString());
  });

  it('every change names one audit type that exists, and the history entry it adds', () => {
    for (const event of Object.keys(NOTIFICATION_OF_CHANGE) as ApprovalChangeEvent[]) {
      assert.ok(
        (AUDIT_EVENT_TYPES as readonly string[]).includes(auditTypeOf(event)),
        `${event} has no audit type`,
      );
    }
    const c = changed(decideChange(pending(), { kind: 'cancel', actor: actor('requester') }, T0));
    assert.equal(c.next.history.at(-1)?.event, c.event);
  });

  it('is pure: the request given is not changed', () => {
    const before = pending();
    const copy = structuredClone(before);
    decideChange(before, review('alice', 'approve', ['release']), T0);
    decideChange(before, { kind: 'cancel', actor: actor('requester') }, T0);
    assert.deepEqual(before, copy);
  });
});
