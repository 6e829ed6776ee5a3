import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slackSignature, verifySlackSignature } from './signature.js';

// The example in Slack's documentation ("Verifying requests from Slack"). Its body carries the
// token `xyzz0WbapA4vBCDEFasx0q6G`; any other token does not give the documented signature.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const EXPECTED = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = Number(TIMESTAMP) * 1000;
const base = {
  secret: SECRET,
  timestamp: TIMESTAMP,
  signature: EXPECTED,
  rawBody: BODY,
  nowMs: AT + 1000,
  toleranceMs: 5 * 60_000,
};

describe('Slack v0 request signature', () => {
  test("matches the example in Slack's documentation", () => {
    assert.equal(slackSignature(SECRET, TIMESTAMP, BODY), EXPECTED);
    assert.equal(verifySlackSignature(base), 'ok');
  });

  test('a changed body, secret or timestamp does not verify', () => {
    assert.equal(verifySlackSignature({ ...base, rawBody: `${BODY}&x=1` }), 'mismatch');
    assert.equal(verifySlackSignature({ ...base, secret: `${SECRET}0` }), 'mismatch');
    assert.equal(verifySlackSignature({ ...base, timestamp: '1531420619' }), 'mismatch');
    assert.equal(verifySlackSignature({ ...base, signature: EXPECTED.toUpperCase() }), 'mismatch');
  });

  test('a timestamp outside the window is stale, in either direction', () => {
    assert.equal(verifySlackSignature({ ...base, nowMs: AT + 5 * 60_000 }), 'ok');
    assert.equal(verifySlackSignature({ ...base, nowMs: AT + 5 * 60_000 + 1 }), 'stale');
    assert.equal(verifySlackSignature({ ...base, nowMs: AT - 5 * 60_000 - 1 }), 'stale');
  });

  test('missing or malformed headers and an empty secret are refused', () => {
    assert.equal(verifySlackSignature({ ...base, signature: undefined }), 'missing');
    assert.equal(verifySlackSignature({ ...base, timestamp: undefined }), 'missing');
    assert.equal(verifySlackSignature({ ...base, timestamp: '1531420618.5' }), 'missing');
    assert.equal(verifySlackSignature({ ...base, secret: '' }), 'missing');
  });
});
