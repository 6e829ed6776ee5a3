import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryEvidence } from './evidence.js';
import { redactHeaders, redactUrl, redactUrlToOrigin } from './redact.js';

describe('redactUrl', () => {
  it('removes the Slack webhook path tokens', () => {
    const out = redactUrl('https://hooks.slack.com/services/T000/B000/XXXX');
    assert.equal(out, 'https://hooks.slack.com/services/…');
    assert.ok(!out.includes('XXXX'));
  });

  it('removes the Teams incoming-webhook path', () => {
    const url =
      'https://acme.webhook.office.com/webhookb2/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab@tenant/IncomingWebhook/9f8e7d6c5b4a/0a1b2c3d';
    assert.equal(redactUrl(url), 'https://acme.webhook.office.com/webhookb2/…');
  });

  it('replaces any query string (Teams Workflows carry the signature there)', () => {
    const url =
      'https://prod-01.westus.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRETSIG';
    const out = redactUrl(url);
    assert.equal(
      out,
      'https://prod-01.westus.logic.azure.com/workflows/…/triggers/manual/paths/invoke?…',
    );
    assert.ok(!out.includes('SECRETSIG'));
    assert.equal(
      redactUrl('https://ci.example.com/hooks/run?token=abc'),
      'https://ci.example.com/hooks/run?…',
    );
  });

  it('drops user info and fragments, keeps ports and plain route names', () => {
    assert.equal(
      redactUrl('https://user:hunter2@hooks.example.com:8443/notify/countersign#frag'),
      'https://hooks.example.com:8443/notify/countersign',
    );
    assert.equal(
      redactUrl('https://jira.example/rest/api/3/issue'),
      'https://jira.example/rest/api/3/issue',
    );
  });

  it('replaces token-like path segments on unknown hosts', () => {
    assert.equal(
      redactUrl('https://hooks.example.com/in/4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c'),
      'https://hooks.example.com/in/…',
    );
  });

  it('does not echo something that is not a URL', () => {
    assert.equal(redactUrl('not a url secret-value'), '…');
  });
});

describe('redactHeaders', () => {
  it('hides authorization and signature values and keeps the rest', () => {
    assert.deepEqual(
      redactHeaders({
        'content-type': 'application/json',
        Authorization: 'Basic dXNlcjpwYXNz',
        'webhook-id': 'msg_1',
        'webhook-signature': 'v1,abc',
        'X-Api-Key': 'k',
      }),
      {
        'content-type': 'application/json',
        Authorization: '[redacted]',
        'webhook-id': 'msg_1',
        'webhook-signature': '[redacted]',
        'X-Api-Key': '[redacted]',
      },
    );
  });
});

describe('deliveryEvidence', () => {
  it('summarizes the attempts and stores only the redacted target', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const evidence = deliveryEvidence({
      provider: 'slack',
      event: 'requested',
      status: 'delivered',
      url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      attempts: [
        { startedAtMs: start, durationMs: 200, responseStatus: 503 },
        { startedAtMs: start + 1000, durationMs: 150, responseStatus: 200 },
      ],
    });
    assert.deepEqual(evidence, {
      provider: 'slack',
      event: 'requested',
      status: 'delivered',
      attempts: 2,
      firstAttemptAt: '2026-01-01T00:00:00.000Z',
      lastAttemptAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1150,
      responseStatus: 200,
      target: 'https://hooks.slack.com/services/…',
    });
    assert.ok(!JSON.stringify(evidence).includes('XXXX'));
  });

  it('needs at least one attempt', () => {
    assert.throws(
      () =>
        deliveryEvidence({
          provider: 'webhook',
          event: 'decided',
          status: 'dead',
          url: 'https://x.example/',
          attempts: [],
        }),
      TypeError,
    );
  });
});

describe('redactUrlToOrigin', () => {
  it('keeps scheme, host and port only', () => {
    assert.equal(
      redactUrlToOrigin('https://user:pw@ci.example.com:8443/hooks/deploy?x=1#f'),
      'https://ci.example.com:8443/…',
    );
  });
  it('an unparsable URL is fully redacted', () => {
    assert.equal(redactUrlToOrigin('not a url'), '…');
  });
});
