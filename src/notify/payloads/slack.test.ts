import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPayload } from '../render.js';
import {
  breakGlassApproval,
  CONFIG_HASH,
  CONSOLE_LINK,
  CTX,
  deniedApproval,
  pendingApproval,
  SPEC_HASH,
} from '../test-fixtures.js';
import type { SlackBlock } from './slack.js';

const REQUESTED = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;

function allText(blocks: readonly SlackBlock[]): string {
  return JSON.stringify(blocks);
}

describe('Slack payload', () => {
  it('is a Block Kit message: header, sections with at most 10 fields, context, URL button', () => {
    const msg = renderPayload('slack', REQUESTED, pendingApproval(), CTX);
    assert.equal(typeof msg.text, 'string');
    assert.ok(msg.text.length > 0);
    const types = msg.blocks.map((b) => b.type);
    assert.equal(types[0], 'header');
    assert.ok(types.includes('section'));
    assert.ok(types.includes('context'));
    assert.equal(types[types.length - 1], 'actions');
    for (const b of msg.blocks) {
      if (b.type === 'header') {
        assert.equal(b.text.type, 'plain_text');
        assert.ok(b.text.text.length <= 150);
      }
      if (b.type === 'section' && b.fields) {
        assert.ok(b.fields.length >= 1 && b.fields.length <= 10);
        for (const f of b.fields) {
          assert.equal(f.type, 'mrkdwn');
          assert.ok(f.text.length <= 2000);
        }
      }
    }
    const actions = msg.blocks[msg.blocks.length - 1];
    assert.ok(actions?.type === 'actions');
    const button = actions.elements[0];
    assert.equal(button?.type, 'button');
    assert.equal(button?.url, CONSOLE_LINK);
    assert.equal(button?.text.type, 'plain_text');
  });

  it('carries the facts a reviewer needs', () => {
    const text = allText(renderPayload('slack', REQUESTED, pendingApproval(), CTX).blocks);
    for (const fact of [
      SPEC_HASH,
      CONFIG_HASH,
      'prod (posture prod)',
      'payments-api',
      'cluster/prod-eu-1',
      'workflow.incident-triage',
      'workflow incident-triage / run run_8f9a / step remediate',
      'environments.prod.actions.deploy',
      'prod write detected',
      'prod, write',
      'max_lines_changed=500, max_runtime_sec=900',
      '1/2 approvals (each of release-managers, sre); still needed: sre; approved by alice@acme.example',
      '2026-01-01T01:00:00.000Z',
    ]) {
      assert.ok(text.includes(fact), `missing ${fact}`);
    }
    assert.ok(text.includes('*Capabilities*\\ndeploy'));
  });

  it('announces break-glass loudly with its evidence and a danger button', () => {
    const event = { kind: 'break_glass', at: '2026-01-01T00:00:00.000Z' } as const;
    const msg = renderPayload('slack', event, breakGlassApproval(), CTX);
    const header = msg.blocks[0];
    assert.ok(header?.type === 'header');
    assert.ok(header.text.text.startsWith(':rotating_light: BREAK-GLASS'));
    assert.ok(msg.text.startsWith(':rotating_light:'));
    const text = allText(msg.blocks);
    assert.ok(text.includes('Production recovery'));
    assert.ok(text.includes('INC-777'));
    const actions = msg.blocks[msg.blocks.length - 1];
    assert.ok(actions?.type === 'actions');
    assert.equal(actions.elements[0]?.style, 'danger');
  });

  it('a plain request is not loud', () => {
    const header = renderPayload('slack', REQUESTED, pendingApproval(), CTX).blocks[0];
    assert.ok(header?.type === 'header');
    assert.ok(!header.text.text.includes('rotating_light'));
    assert.ok(!header.text.text.includes('BREAK-GLASS'));
  });

  it('names the outcome of a decision', () => {
    const event = { kind: 'decided', outcome: 'denied', at: '2026-01-01T00:10:00.000Z' } as const;
    const msg = renderPayload('slack', event, deniedApproval(), CTX);
    const header = msg.blocks[0];
    assert.ok(header?.type === 'header');
    assert.equal(header.text.text, 'Denied: deploy in prod (payments-api)');
    assert.ok(allText(msg.blocks).includes('Denied by bob@acme.example: not during the freeze'));
  });

  it('escapes requester text so it cannot mention a channel or forge a link', () => {
    const approval = pendingApproval();
    const msg = renderPayload(
      'slack',
      REQUESTED,
      {
        ...approval,
        action: { ...approval.action, reason: '<!channel> see <https://evil.example|docs>' },
      },
      CTX,
    );
    const text = allText(msg.blocks);
    assert.ok(!text.includes('<!channel>'));
    assert.ok(text.includes('&lt;!channel&gt;'));
  });
});
