import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPayload } from '../render.js';
import {
  breakGlassApproval,
  CONSOLE_LINK,
  CTX,
  deniedApproval,
  pendingApproval,
  SPEC_HASH,
} from '../test-fixtures.js';

describe('webhook payload', () => {
  it('is {type, timestamp, approval} with the documented approval fields', () => {
    const event = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;
    const body = renderPayload('webhook', event, pendingApproval(), CTX);
    assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'approval']);
    assert.equal(body.type, 'approval.requested');
    assert.equal(body.timestamp, '2026-01-01T00:00:00.000Z');
    const a = body.approval;
    assert.equal(a.id, 'apr_0001');
    assert.equal(a.specHash, SPEC_HASH);
    assert.equal(a.environment, 'prod');
    assert.equal(a.posture, 'prod');
    assert.deepEqual(a.requiredCapabilities, ['deploy']);
    assert.deepEqual(a.quorum, {
      min: 2,
      mode: 'each',
      groups: ['release-managers', 'sre'],
      approvals: 1,
      missingGroups: ['sre'],
      approvedBy: ['alice@acme.example'],
      met: false,
    });
    assert.equal(a.url, CONSOLE_LINK);
    assert.equal(a.outcome, null);
    assert.equal(a.breakGlass, null);
    assert.ok(!JSON.stringify(body).includes('fingerprint'));
  });

  it('names the outcome in the type and the outcome object', () => {
    const event = { kind: 'decided', outcome: 'denied', at: '2026-01-01T00:10:00.000Z' } as const;
    const body = renderPayload('webhook', event, deniedApproval(), CTX);
    assert.equal(body.type, 'approval.denied');
    assert.deepEqual(body.approval.outcome, {
      state: 'denied',
      actor: 'bob@acme.example',
      reason: 'not during the freeze',
      externalRef: null,
      at: '2026-01-01T00:10:00.000Z',
    });
  });

  it('carries break-glass evidence', () => {
    const event = { kind: 'break_glass', at: '2026-01-01T00:00:00.000Z' } as const;
    const body = renderPayload('webhook', event, breakGlassApproval(), CTX);
    assert.equal(body.type, 'approval.break_glass');
    assert.deepEqual(body.approval.breakGlass, {
      actor: 'oidc:carol@acme.example',
      reason: 'Production recovery',
      approverGroup: 'release-managers',
      externalRef: 'INC-777',
    });
  });
});
