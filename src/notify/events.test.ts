import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventsFor, isEventEnabled, messageIdFor, webhookEventType } from './events.js';
import { headline, summarize } from './summary.js';
import {
  breakGlassApproval,
  CONSOLE_LINK,
  CTX,
  deniedApproval,
  pendingApproval,
} from './test-fixtures.js';

describe('eventsFor', () => {
  it('a pending request has only requested', () => {
    assert.deepEqual(eventsFor(pendingApproval()), [
      { kind: 'requested', at: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('a decided request adds decided with its outcome and time', () => {
    assert.deepEqual(eventsFor(deniedApproval()), [
      { kind: 'requested', at: '2026-01-01T00:00:00.000Z' },
      { kind: 'decided', outcome: 'denied', at: '2026-01-01T00:10:00.000Z' },
    ]);
  });

  it('a break-glass approval adds break_glass', () => {
    assert.deepEqual(
      eventsFor(breakGlassApproval()).map((e) => e.kind),
      ['requested', 'decided', 'break_glass'],
    );
  });

  it('with a time, a pending request past its expiry is decided expired', () => {
    const events = eventsFor(pendingApproval(), Date.parse('2026-01-01T02:00:00.000Z'));
    assert.deepEqual(events[1], {
      kind: 'decided',
      outcome: 'expired',
      at: '2026-01-01T01:00:00.000Z',
    });
  });
});

describe('event names', () => {
  it('webhook types and message ids name the outcome', () => {
    const denied = { kind: 'decided', outcome: 'denied', at: 'x' } as const;
    assert.equal(webhookEventType(denied), 'approval.denied');
    assert.equal(webhookEventType({ kind: 'expiring_soon', at: 'x' }), 'approval.expiring_soon');
    assert.equal(messageIdFor({ id: 'apr_1' }, denied), 'msg_apr_1_denied');
  });

  it('expiring_soon follows requested in onEvents', () => {
    assert.equal(isEventEnabled('expiring_soon', { onEvents: ['requested'] }), true);
    assert.equal(isEventEnabled('expiring_soon', { onEvents: ['decided'] }), false);
    assert.equal(isEventEnabled('break_glass', { onEvents: ['requested', 'decided'] }), false);
  });

  it('an expiring_soon headline says how long is left', () => {
    const s = summarize(pendingApproval(), CTX);
    assert.equal(
      headline({ kind: 'expiring_soon', at: '2026-01-01T00:45:00.000Z' }, s),
      'Expires in 15m: deploy in prod (payments-api)',
    );
  });

  it('the console link trims a trailing slash and escapes the id', () => {
    assert.equal(summarize(pendingApproval(), CTX).consoleLink, CONSOLE_LINK);
    const odd = summarize(pendingApproval({ id: 'apr/../x' }), CTX).consoleLink;
    assert.equal(odd, 'https://countersign.example/console/approvals/apr%2F..%2Fx');
  });
});
