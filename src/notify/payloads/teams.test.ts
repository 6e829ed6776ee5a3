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
import type { CardElement } from './teams.js';

const REQUESTED = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;

function factsOf(body: readonly CardElement[]): Map<string, string> {
  const set = body.find((e) => e.type === 'FactSet');
  assert.ok(set?.type === 'FactSet');
  return new Map(set.facts.map((f) => [f.title, f.value]));
}

describe('Teams payload', () => {
  it('is a message with one Adaptive Card 1.4 attachment: FactSet body and an OpenUrl action', () => {
    const msg = renderPayload('teams', REQUESTED, pendingApproval(), CTX);
    assert.equal(msg.type, 'message');
    assert.equal(msg.attachments.length, 1);
    const attachment = msg.attachments[0];
    assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
    const card = attachment?.content;
    assert.equal(card?.type, 'AdaptiveCard');
    assert.equal(card?.version, '1.4');
    assert.equal(card?.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
    assert.ok(card?.body.some((e) => e.type === 'FactSet'));
    for (const e of card?.body ?? []) {
      assert.ok(['TextBlock', 'FactSet', 'Container'].includes(e.type));
    }
    assert.deepEqual(card?.actions, [
      { type: 'Action.OpenUrl', title: 'Open in Countersign', url: CONSOLE_LINK },
    ]);
  });

  it('carries spec hash, environment, capabilities and quorum progress as facts', () => {
    const card = renderPayload('teams', REQUESTED, pendingApproval(), CTX).attachments[0]?.content;
    const facts = factsOf(card?.body ?? []);
    assert.equal(facts.get('Spec hash'), SPEC_HASH);
    assert.equal(facts.get('Environment'), 'prod (posture prod)');
    assert.equal(facts.get('Capabilities'), 'deploy');
    assert.equal(facts.get('Requested by'), 'workflow.incident-triage');
    assert.match(facts.get('Quorum') ?? '', /^1\/2 approvals .*still needed: sre/);
    for (const f of facts.values()) assert.ok(f.length > 0);
  });

  it('puts break-glass first in an attention container', () => {
    const event = { kind: 'break_glass', at: '2026-01-01T00:00:00.000Z' } as const;
    const card = renderPayload('teams', event, breakGlassApproval(), CTX).attachments[0]?.content;
    const first = card?.body[0];
    assert.ok(first?.type === 'Container');
    assert.equal(first.style, 'attention');
    assert.match(JSON.stringify(first.items), /BREAK-GLASS.*Production recovery.*INC-777/);
    const facts = factsOf(card?.body ?? []);
    assert.equal(facts.get('Incident'), 'INC-777');
  });

  it('a plain request has no attention container', () => {
    const card = renderPayload('teams', REQUESTED, pendingApproval(), CTX).attachments[0]?.content;
    assert.ok(!card?.body.some((e) => e.type === 'Container'));
  });
});
