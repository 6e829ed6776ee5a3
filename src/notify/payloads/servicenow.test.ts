import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPayload } from '../render.js';
import {
  breakGlassApproval,
  CONSOLE_LINK,
  CTX,
  pendingApproval,
  SPEC_HASH,
} from '../test-fixtures.js';

const REQUESTED = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;
const STANDARD_FIELDS = [
  'short_description',
  'description',
  'category',
  'type',
  'risk',
  'impact',
  'justification',
  'correlation_id',
  'correlation_display',
];

describe('ServiceNow payload', () => {
  it('is a change_request body with standard fields only', () => {
    const body = renderPayload('servicenow', REQUESTED, pendingApproval(), CTX);
    assert.deepEqual(Object.keys(body).sort(), [...STANDARD_FIELDS].sort());
    assert.ok(!Object.keys(body).some((k) => k.startsWith('u_')));
    assert.equal(body.type, 'normal');
    assert.equal(body.correlation_id, 'apr_0001');
    assert.equal(body.category, 'Software');
    assert.equal(body.risk, '2');
    assert.equal(body.impact, '1');
    assert.ok(body.short_description.length <= 160);
    assert.match(body.justification, /roll out the hotfix/);
  });

  it('describes the facts with the console link', () => {
    const { description } = renderPayload('servicenow', REQUESTED, pendingApproval(), CTX);
    assert.ok(description.includes(`Spec hash: ${SPEC_HASH}`));
    assert.ok(description.includes('Environment: prod (posture prod)'));
    assert.ok(description.includes('Capabilities: deploy'));
    assert.ok(description.includes('Quorum: 1/2 approvals'));
    assert.ok(description.includes(CONSOLE_LINK));
  });

  it('files a break-glass as an emergency change justified by its evidence', () => {
    const event = { kind: 'break_glass', at: '2026-01-01T00:00:00.000Z' } as const;
    const body = renderPayload('servicenow', event, breakGlassApproval(), CTX);
    assert.equal(body.type, 'emergency');
    assert.match(body.short_description, /BREAK-GLASS/);
    assert.match(body.justification, /Production recovery \(incident INC-777\)/);
    assert.ok(body.description.startsWith('BREAK-GLASS'));
  });

  it('a low-severity dev change is low risk, but never so when it is break-glass', () => {
    const base = pendingApproval();
    const dev = {
      ...base,
      decision: { ...base.decision, severity: 'low', posture: 'dev' as const },
    };
    assert.equal(renderPayload('servicenow', REQUESTED, dev, CTX).risk, '4');
    const bg = { ...dev, breakGlass: breakGlassApproval().breakGlass };
    assert.equal(renderPayload('servicenow', REQUESTED, bg, CTX).risk, '2');
  });
});
