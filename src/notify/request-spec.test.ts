import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { PolicyError } from '../errors/index.js';
import { PROVIDER_NAMES } from './providers.js';
import {
  buildCallbackRequest,
  buildLiveRequest,
  callbackRequest,
  providerRequest,
} from './request-spec.js';
import type { LiveRequest, LiveRequestResult } from './request-spec.js';
import { CTX, deniedApproval, pendingApproval } from './test-fixtures.js';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/slack-secret-token';
const SECRETS: Record<string, string> = {
  COUNTERSIGN_SLACK_WEBHOOK_URL: SLACK_URL,
  COUNTERSIGN_TEAMS_WEBHOOK_URL:
    'https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=teams-secret-sig',
  JIRA_USER: 'jira-user@acme.example',
  JIRA_TOKEN: 'jira-secret-token',
  SN_USER: 'sn-secret-user',
  SN_PASSWORD: 'sn-secret-password',
  COUNTERSIGN_WEBHOOK_URL: 'https://hooks.acme.example/countersign?key=webhook-secret-key',
  COUNTERSIGN_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  COUNTERSIGN_CALLBACK_SECRET: 'whsec_Y2FsbGJhY2stc2VjcmV0LWZvci10ZXN0cw==',
};
/** Every secret, and the encodings a careless implementation might leak. */
const FORBIDDEN = [
  ...Object.values(SECRETS),
  'slack-secret-token',
  'teams-secret-sig',
  'webhook-secret-key',
  'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  Buffer.from('jira-user@acme.example:jira-secret-token').toString('base64'),
  Buffer.from('sn-secret-user:sn-secret-password').toString('base64'),
  'cb-secret-token',
];
const lookup = (name: string): string | undefined => SECRETS[name];
const REQUESTED = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;
const DENIED = { kind: 'decided', outcome: 'denied', at: '2026-01-01T00:10:00.000Z' } as const;
const SENT_AT = Date.parse('2026-01-01T00:10:05.000Z');

function assertNoSecret(value: unknown): void {
  const json = JSON.stringify(value);
  for (const s of FORBIDDEN) assert.ok(!json.includes(s), `leaked ${s.slice(0, 4)}…`);
}

function ok(result: LiveRequestResult): LiveRequest {
  assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
  return result.request;
}

describe('providerRequest', () => {
  it('has no secret in any provider spec even when every secret is available', () => {
    for (const provider of PROVIDER_NAMES) {
      const spec = providerRequest(provider, REQUESTED, pendingApproval(), CTX);
      assertNoSecret(spec);
      // the check itself would catch the live request
      const live = ok(
        buildLiveRequest(provider, REQUESTED, pendingApproval(), CTX, lookup, { sentAt: SENT_AT }),
      );
      assert.ok(
        FORBIDDEN.some((s) => JSON.stringify({ url: live.url, headers: live.headers }).includes(s)),
      );
    }
  });

  it('names env vars as placeholders for URLs and credentials', () => {
    const slack = providerRequest('slack', REQUESTED, pendingApproval(), CTX);
    assert.equal(slack.method, 'POST');
    assert.equal(slack.url, '${COUNTERSIGN_SLACK_WEBHOOK_URL}');
    const jira = providerRequest('jira', REQUESTED, pendingApproval(), CTX);
    assert.equal(jira.url, 'https://jira.example/rest/api/3/issue');
    assert.equal(jira.headers.authorization, 'Basic base64(${JIRA_USER}:${JIRA_TOKEN})');
    const sn = providerRequest('servicenow', REQUESTED, pendingApproval(), CTX);
    assert.equal(sn.url, 'https://acme.service-now.com/api/now/table/change_request');
    assert.equal(sn.headers.authorization, 'Basic base64(${SN_USER}:${SN_PASSWORD})');
    const webhook = providerRequest('webhook', REQUESTED, pendingApproval(), CTX);
    assert.equal(webhook.url, '${COUNTERSIGN_WEBHOOK_URL}');
    assert.equal(webhook.headers['webhook-id'], 'msg_apr_0001_requested');
    assert.match(webhook.headers['webhook-signature'] ?? '', /\$\{COUNTERSIGN_WEBHOOK_SECRET\}/);
    assert.deepEqual(webhook.body, JSON.parse(JSON.stringify(webhook.body)));
  });

  it('uses a bearer token when Jira has no user', () => {
    const providers = {
      ...CTX.config.providers,
      jira: { ...CTX.config.providers.jira!, userEnv: null },
    };
    const ctx = { ...CTX, config: { ...CTX.config, providers } };
    assert.equal(
      providerRequest('jira', REQUESTED, pendingApproval(), ctx).headers.authorization,
      'Bearer ${JIRA_TOKEN}',
    );
    const live = ok(
      buildLiveRequest('jira', REQUESTED, pendingApproval(), ctx, lookup, { sentAt: SENT_AT }),
    );
    assert.equal(live.headers.authorization, 'Bearer jira-secret-token');
  });
});

describe('buildLiveRequest', () => {
  it('fills the URL and credentials from the lookup', () => {
    const slack = ok(
      buildLiveRequest('slack', REQUESTED, pendingApproval(), CTX, lookup, { sentAt: SENT_AT }),
    );
    assert.equal(slack.url, SLACK_URL);
    assert.equal(slack.messageId, 'msg_apr_0001_requested');
    const sn = ok(
      buildLiveRequest('servicenow', REQUESTED, pendingApproval(), CTX, lookup, {
        sentAt: SENT_AT,
      }),
    );
    assert.equal(
      sn.headers.authorization,
      `Basic ${Buffer.from('sn-secret-user:sn-secret-password').toString('base64')}`,
    );
    assert.equal(JSON.parse(sn.body).correlation_id, 'apr_0001');
  });

  it('signs the webhook body so the receiver can verify it', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: SENT_AT });
    const live = ok(
      buildLiveRequest('webhook', DENIED, deniedApproval(), CTX, lookup, { sentAt: SENT_AT }),
    );
    const body = new Webhook(SECRETS.COUNTERSIGN_WEBHOOK_SECRET ?? '').verify(live.body, {
      ...live.headers,
    });
    assert.equal((body as { type: string }).type, 'approval.denied');
    assert.equal(live.headers['webhook-timestamp'], String(SENT_AT / 1000));
  });

  it('names the missing variables, never a value', () => {
    const partial = (name: string): string | undefined =>
      name === 'JIRA_USER' ? 'someone' : undefined;
    const result = buildLiveRequest('jira', REQUESTED, pendingApproval(), CTX, partial, {
      sentAt: SENT_AT,
    });
    assert.deepEqual(result, { ok: false, problem: 'missing_secret', envNames: ['JIRA_TOKEN'] });
  });

  it('refuses a URL variable that holds no http(s) URL', () => {
    const bad = (name: string): string | undefined =>
      name === 'COUNTERSIGN_SLACK_WEBHOOK_URL' ? 'hooks.slack.com/x' : undefined;
    const result = buildLiveRequest('slack', REQUESTED, pendingApproval(), CTX, bad, {
      sentAt: SENT_AT,
    });
    assert.deepEqual(result, {
      ok: false,
      problem: 'invalid_url',
      envNames: ['COUNTERSIGN_SLACK_WEBHOOK_URL'],
    });
  });

  it('reports a malformed signing secret by name', () => {
    const bad = (name: string): string | undefined =>
      name === 'COUNTERSIGN_WEBHOOK_SECRET' ? 'not base64!' : lookup(name);
    const result = buildLiveRequest('webhook', REQUESTED, pendingApproval(), CTX, bad, {
      sentAt: SENT_AT,
    });
    assert.deepEqual(result, {
      ok: false,
      problem: 'invalid_secret',
      envNames: ['COUNTERSIGN_WEBHOOK_SECRET'],
    });
  });

  it('shows only a redacted view when serialized or inspected', () => {
    for (const provider of PROVIDER_NAMES) {
      const live = ok(
        buildLiveRequest(provider, REQUESTED, pendingApproval(), CTX, lookup, { sentAt: SENT_AT }),
      );
      assertNoSecret(JSON.parse(JSON.stringify(live)));
      const shown = inspect(live);
      for (const s of FORBIDDEN) assert.ok(!shown.includes(s));
    }
  });
});

describe('decision callbacks', () => {
  it('signs the decision with the callback secret', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: SENT_AT });
    const live = ok(
      buildCallbackRequest(DENIED, deniedApproval(), CTX, lookup, { sentAt: SENT_AT }),
    );
    assert.equal(live.provider, 'callback');
    assert.equal(live.url, 'https://ci.example.com/hooks/run_8f9a?token=cb-secret-token');
    const secret = SECRETS.COUNTERSIGN_CALLBACK_SECRET ?? '';
    const body = new Webhook(secret).verify(live.body, { ...live.headers }) as { type: string };
    assert.equal(body.type, 'approval.denied');
    assert.throws(() =>
      new Webhook(SECRETS.COUNTERSIGN_WEBHOOK_SECRET ?? '').verify(live.body, { ...live.headers }),
    );
  });

  it('the callback spec redacts the URL and names the secret variable', () => {
    const spec = callbackRequest(DENIED, deniedApproval(), CTX);
    assert.equal(spec.url, 'https://ci.example.com/hooks/run_8f9a?…');
    assert.match(spec.headers['webhook-signature'] ?? '', /\$\{COUNTERSIGN_CALLBACK_SECRET\}/);
    assertNoSecret(spec);
  });

  it('refuses a callback URL outside the allowlist, even if it was accepted before', () => {
    const approval = {
      ...deniedApproval(),
      callbackUrl: 'http://169.254.169.254/latest/meta-data',
    };
    assert.throws(
      () => buildCallbackRequest(DENIED, approval, CTX, lookup, { sentAt: SENT_AT }),
      (err: unknown) => err instanceof PolicyError && err.code === 'forbidden',
    );
    const empty = { ...CTX, config: { ...CTX.config, callbackAllowlist: [] } };
    assert.throws(() => callbackRequest(DENIED, deniedApproval(), empty), PolicyError);
  });

  it('refuses at delivery a URL that only string-matches the allowlisted prefix', () => {
    for (const callbackUrl of [
      'https://ci.example.com/hooks/../admin',
      'https://ci.example.com/hooks/%2e%2e/admin',
      'https://user:pw@ci.example.com/hooks/x',
    ]) {
      const approval = { ...deniedApproval(), callbackUrl };
      assert.throws(
        () => buildCallbackRequest(DENIED, approval, CTX, lookup, { sentAt: SENT_AT }),
        (err: unknown) => err instanceof PolicyError && err.code === 'forbidden',
        callbackUrl,
      );
    }
  });
});
