import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cavraActionInput,
  cavraRequestParts,
  importedApprovalId,
  parseCavraApproval,
} from './approval-record.js';

const decision = {
  decision_id: 'dec_93e9c4a1b2f0',
  action_type: 'write_file',
  target: 'iam/admin-role.tf',
  rule_id: 'filesystem.write.require_approval',
  decision: 'require_approval',
  severity: 'high',
  reason: 'Matched approval-required path policy: iam/**',
};
const pending = {
  schema_version: 'cavra.approval.v1',
  approval_id: 'apr_5f0c2a9e7d11',
  decision_id: 'dec_93e9c4a1b2f0',
  state: 'pending',
  approver_group: 'IAM',
  requested_by: 'developer',
  requested_at: '2026-11-21T13:04:53.262166+00:00',
  expires_at: '2026-11-22T13:04:53.262166+00:00',
  decision,
  history: [
    { event: 'requested', actor: 'developer', timestamp: '2026-11-21T13:04:53.262166+00:00' },
  ],
};

function errorsOf(record: unknown): string[] {
  const r = parseCavraApproval(record);
  return r.ok ? [] : r.errors;
}

describe('parseCavraApproval', () => {
  it('accepts the formats document example and normalises its times', () => {
    const r = parseCavraApproval(pending);
    assert.ok(r.ok);
    assert.equal(r.record.requestedAt, '2026-11-21T13:04:53.262Z');
    assert.equal(r.record.sessionId, 'local');
    assert.equal(importedApprovalId(r.record.approvalId), 'apr_cavra_5f0c2a9e7d11');
    assert.deepEqual(cavraActionInput(r.record, { environment: 'prod', project: 'cavra' }), {
      kind: 'write_file',
      environment: 'prod',
      project: 'cavra',
      spec: {
        source: 'cavra',
        decisionId: 'dec_93e9c4a1b2f0',
        actionType: 'write_file',
        target: 'iam/admin-role.tf',
        requestedOperation: null,
      },
      target: 'iam/admin-role.tf',
      reason: 'Matched approval-required path policy: iam/**',
    });
    const parts = cavraRequestParts(r.record);
    assert.equal(parts.state, 'pending');
    assert.deepEqual(parts.reviews, []);
    assert.equal(parts.requestedBy.kind, 'imported');
  });

  it('lists every problem of a bad record', () => {
    assert.deepEqual(errorsOf('x'), ['a record must be an object']);
    assert.deepEqual(
      errorsOf({
        ...pending,
        schema_version: 'v0',
        approval_id: 'nope',
        state: 'bogus',
        expires_at: 'soon',
      }),
      [
        'schema_version must be cavra.approval.v1',
        'approval_id must be apr_ and letters or digits',
        'unsupported approval state: bogus',
        'expires_at is not an ISO-8601 time',
      ],
    );
    assert.deepEqual(errorsOf({ ...pending, decision: { target: 'x' }, history: [] }), [
      'decision.action_type is required',
      'history must be a non-empty list',
    ]);
    assert.deepEqual(
      errorsOf({ ...pending, history: [{ event: 'escalated', actor: 'a', timestamp: 'x' }] }),
      [
        'history[0].event escalated is not a CAVRA history event',
        'history[0].timestamp is not an ISO-8601 time',
      ],
    );
  });

  it("checks CAVRA's state rules: decided records name who and when; break-glass has its flag and reason", () => {
    assert.deepEqual(errorsOf({ ...pending, state: 'approved' }), [
      'a record in state approved needs decided_by and decided_at',
    ]);
    assert.deepEqual(errorsOf({ ...pending, decided_by: 'x', decided_at: pending.requested_at }), [
      'a pending record has no decision',
    ]);
    const bg = {
      ...pending,
      state: 'break_glass',
      decided_by: 'ic',
      decided_at: pending.requested_at,
    };
    assert.deepEqual(errorsOf(bg), [
      'break_glass must be true exactly when state is break_glass',
      'break_glass_reason is required',
    ]);
    const ok = parseCavraApproval({
      ...bg,
      break_glass: true,
      break_glass_reason: 'recovery',
      external_ref: 'INC-1',
    });
    assert.ok(ok.ok);
    const parts = cavraRequestParts(ok.record);
    assert.equal(parts.state, 'approved');
    assert.deepEqual(parts.breakGlass, {
      reason: 'recovery',
      approverGroup: 'IAM',
      externalRef: 'INC-1',
    });
    assert.equal(parts.reviews[0]?.reviewer.id, 'cavra:ic');
  });
});
