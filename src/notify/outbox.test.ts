import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sequentialIds } from '../lib/ids.js';
import { redactUrlToOrigin } from './redact.js';
import { deliveryRows, notificationFor, parseOutboxPayload } from './outbox.js';
import { backoffDelayMs, isRetryable } from './send.js';
import { breakGlassApproval, CONFIG, deniedApproval, pendingApproval } from './test-fixtures.js';

const NOW = '2026-01-01T00:00:00.000Z';

test('each change announces its notification; a review that does not decide reaches only record providers', () => {
  assert.deepEqual(notificationFor(pendingApproval(), 'requested')?.kind, 'requested');
  const reviewed = notificationFor(pendingApproval(), 'reviewed');
  assert.deepEqual(reviewed, { kind: 'reviewed', at: '2026-01-01T00:05:00.000Z', reviews: 1 });
  assert.ok(reviewed);
  // providers that post one message per event hear nothing until the decision
  const opts = { ids: sequentialIds(), nowIso: NOW };
  assert.deepEqual(deliveryRows(pendingApproval(), reviewed, CONFIG, opts), []);
  const jiraRecord = {
    ...CONFIG,
    providers: {
      ...CONFIG.providers,
      jira: CONFIG.providers.jira && { ...CONFIG.providers.jira, record: { transitions: {} } },
    },
  };
  assert.deepEqual(
    deliveryRows(pendingApproval(), reviewed, jiraRecord, opts).map((r) => [
      r.provider,
      r.event,
      r.messageId,
    ]),
    [['jira', 'reviewed', 'msg_apr_0001_reviewed_1']],
  );
  const denied = notificationFor(deniedApproval(), 'denied');
  assert.equal(denied?.kind, 'decided');
  assert.equal(denied?.kind === 'decided' ? denied.outcome : null, 'denied');
  assert.equal(notificationFor(breakGlassApproval(), 'break_glass')?.kind, 'break_glass');
});

test('rows go to every configured provider for enabled events, with a stable message id', () => {
  const a = pendingApproval();
  const event = notificationFor(a, 'requested');
  assert.ok(event);
  const rows = deliveryRows(a, event, CONFIG, { ids: sequentialIds(), nowIso: NOW });
  assert.deepEqual(
    rows.map((r) => [r.provider, r.messageId, r.nextAttemptAt]),
    ['slack', 'teams', 'jira', 'servicenow', 'webhook'].map((p) => [
      p,
      `msg_${a.id}_requested`,
      NOW,
    ]),
  );
  // the request as it was, but a callback URL (which may carry a secret) only by its origin
  const stored = parseOutboxPayload(rows[0]?.payload ?? '').approval;
  assert.deepEqual(stored, {
    ...a,
    callbackUrl: a.callbackUrl === null ? null : redactUrlToOrigin(a.callbackUrl),
  });
  const off = deliveryRows(
    a,
    event,
    { ...CONFIG, onEvents: ['decided'] },
    { ids: sequentialIds(), nowIso: NOW },
  );
  assert.deepEqual(off, []);
});

test('a decision adds the callback whatever onEvents says; only narrows to the asked targets', () => {
  const a = { ...deniedApproval(), callbackUrl: 'https://ci.example.com/hooks/run-1' };
  const event = notificationFor(a, 'denied');
  assert.ok(event);
  const none = { ...CONFIG, onEvents: [] };
  const rows = deliveryRows(a, event, none, { ids: sequentialIds(), nowIso: NOW });
  assert.deepEqual(
    rows.map((r) => r.provider),
    ['callback'],
  );
  const only = deliveryRows(a, event, CONFIG, {
    ids: sequentialIds(),
    nowIso: NOW,
    only: ['jira'],
  });
  assert.deepEqual(
    only.map((r) => r.provider),
    ['jira'],
  );
});

test('backoff is exponential with full jitter, capped by maxDelay', () => {
  const retry = { initialDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(
    backoffDelayMs(1, retry, () => 0.999),
    99,
  );
  assert.equal(
    backoffDelayMs(2, retry, () => 0.5),
    100,
  );
  assert.equal(
    backoffDelayMs(3, retry, () => 0.999),
    399,
  );
  assert.equal(
    backoffDelayMs(10, retry, () => 0.999),
    999,
  );
  assert.equal(
    backoffDelayMs(50, retry, () => 0),
    0,
  );
});

test('no response, 5xx, 408, 425 and 429 are retried; another 4xx or a redirect is not', () => {
  for (const s of [500, 502, 503, 408, 425, 429]) {
    assert.equal(isRetryable({ responseStatus: s, error: `http_${s}` }), true, String(s));
  }
  for (const s of [301, 400, 401, 403, 404, 410, 422]) {
    assert.equal(isRetryable({ responseStatus: s, error: `http_${s}` }), false, String(s));
  }
  assert.equal(isRetryable({ responseStatus: null, error: 'timeout' }), true);
  assert.equal(isRetryable({ responseStatus: null, error: 'callback_not_allowed' }), false);
});
