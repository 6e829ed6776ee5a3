import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { signWebhook } from './sign.js';

// The example secret of the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SENT_AT = Date.parse('2026-01-01T00:00:30.000Z');
const PAYLOAD = JSON.stringify({ type: 'approval.approved', approval: { id: 'apr_0001' } });

describe('signWebhook', () => {
  it('produces Standard Webhooks headers that the reference library verifies', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: SENT_AT + 5_000 });
    const headers = signWebhook(PAYLOAD, {
      id: 'msg_apr_0001_approved',
      timestamp: SENT_AT,
      secret: SECRET,
    });
    assert.equal(headers['webhook-id'], 'msg_apr_0001_approved');
    assert.equal(headers['webhook-timestamp'], String(SENT_AT / 1000));
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(new Webhook(SECRET).verify(PAYLOAD, { ...headers }), JSON.parse(PAYLOAD));
  });

  it('a tampered body, id or timestamp fails verification', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: SENT_AT });
    const headers = signWebhook(PAYLOAD, {
      id: 'msg_1',
      timestamp: new Date(SENT_AT),
      secret: SECRET,
    });
    const wh = new Webhook(SECRET);
    const tampered = PAYLOAD.replace('approved', 'denied');
    assert.throws(() => wh.verify(tampered, { ...headers }), WebhookVerificationError);
    assert.throws(
      () => wh.verify(PAYLOAD, { ...headers, 'webhook-id': 'msg_2' }),
      WebhookVerificationError,
    );
    assert.throws(
      () => wh.verify(PAYLOAD, { ...headers, 'webhook-timestamp': String(SENT_AT / 1000 + 1) }),
      WebhookVerificationError,
    );
  });

  it('another secret does not verify', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: SENT_AT });
    const headers = signWebhook(PAYLOAD, { id: 'msg_1', timestamp: SENT_AT, secret: SECRET });
    const other = `whsec_${Buffer.from('another secret of enough length').toString('base64')}`;
    assert.throws(
      () => new Webhook(other).verify(PAYLOAD, { ...headers }),
      WebhookVerificationError,
    );
  });

  it('signs the same bytes the same way (retries are stable)', () => {
    const a = signWebhook(PAYLOAD, { id: 'msg_1', timestamp: SENT_AT, secret: SECRET });
    const b = signWebhook(PAYLOAD, { id: 'msg_1', timestamp: SENT_AT, secret: SECRET });
    assert.deepEqual(a, b);
  });

  it('refuses a malformed secret without quoting it', () => {
    const secret = 'whsec_not base64 at all!!';
    assert.throws(
      () => signWebhook(PAYLOAD, { id: 'msg_1', timestamp: SENT_AT, secret }),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === 'signWebhook: secret must be whsec_ followed by base64' &&
        !err.message.includes('not base64'),
    );
  });

  it('refuses an empty id and an invalid time', () => {
    assert.throws(
      () => signWebhook(PAYLOAD, { id: '', timestamp: SENT_AT, secret: SECRET }),
      TypeError,
    );
    assert.throws(
      () => signWebhook(PAYLOAD, { id: 'm', timestamp: Number.NaN, secret: SECRET }),
      TypeError,
    );
  });
});
