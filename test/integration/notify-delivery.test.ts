/**
 * Live delivery to real HTTP sinks on 127.0.0.1: every provider's request arrives in its native
 * shape, the webhook verifies with the standardwebhooks library, callbacks are signed with the
 * callback secret and refused outside the allowlist, and nothing secret reaches the evidence,
 * the audit log or the server's logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { deployAction } from '../helpers/harness.js';
import {
  findSecrets,
  startNotifyServer,
  startSink,
  webhookSecret,
  type NotifyServer,
  type Sink,
  type SinkRequest,
} from '../helpers/notify.js';

interface Evidence {
  provider: string;
  event: string;
  messageId: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  target: string | null;
  attemptLog: { responseStatus: number | null; error: string | null }[];
}

const SLACK_TOKEN = 'T0123ABCD/B0456EFGH/slacksecret0123456789';
const TEAMS_TOKEN = 'teamsSecret0123456789abcdef';
const WEBHOOK_TOKEN = 'whk0123456789abcdefSECRET';
const SECRETS = {
  T_JIRA_USER: 'ops-bot@acme.example',
  T_JIRA_TOKEN: 'jira-api-token-0123456789',
  T_SN_USER: 'countersign.integration',
  T_SN_PASSWORD: 'sn-password-0123456789',
  T_WEBHOOK_SECRET: webhookSecret('webhook-signing-secret-0123'),
  T_CALLBACK_SECRET: webhookSecret('callback-signing-secret-456'),
};

describe('notifications delivered to real sinks', () => {
  let sink: Sink;
  let cs: NotifyServer;
  let secretValues: string[];

  before(async () => {
    sink = await startSink();
    const urls = {
      T_SLACK_URL: `${sink.url}/slack/services/${SLACK_TOKEN}`,
      T_TEAMS_URL: `${sink.url}/teams/webhookb2/${TEAMS_TOKEN}`,
      T_WEBHOOK_URL: `${sink.url}/webhook/${WEBHOOK_TOKEN}`,
    };
    const secrets = { ...SECRETS, ...urls };
    secretValues = [
      ...Object.values(secrets),
      SLACK_TOKEN,
      TEAMS_TOKEN,
      WEBHOOK_TOKEN,
      Buffer.from(`${SECRETS.T_JIRA_USER}:${SECRETS.T_JIRA_TOKEN}`).toString('base64'),
      Buffer.from(`${SECRETS.T_SN_USER}:${SECRETS.T_SN_PASSWORD}`).toString('base64'),
    ];
    cs = await startNotifyServer({
      secrets,
      notificationsYaml: `
  providers:
    slack: { urlEnv: T_SLACK_URL }
    teams: { urlEnv: T_TEAMS_URL }
    jira: { url: ${sink.url}/rest/api/3/issue, userEnv: T_JIRA_USER, tokenEnv: T_JIRA_TOKEN, project: OPS, issueType: Change }
    servicenow: { instanceUrl: ${sink.url}/sn, userEnv: T_SN_USER, passwordEnv: T_SN_PASSWORD }
    webhook: { urlEnv: T_WEBHOOK_URL, secretEnv: T_WEBHOOK_SECRET }
  callbackSecretEnv: T_CALLBACK_SECRET
  callbackAllowlist: [${sink.url}/ci/]
  retry: { attempts: 3, initialDelay: 50ms, maxDelay: 200ms }`,
    });
  });
  after(async () => {
    await cs?.close();
    await sink?.close();
  });

  const byPrefix = (reqs: SinkRequest[], prefix: string): SinkRequest[] =>
    reqs.filter((r) => r.path.startsWith(prefix));
  const one = (reqs: SinkRequest[], prefix: string): SinkRequest => {
    const found = byPrefix(reqs, prefix);
    assert.equal(found.length, 1, `one request to ${prefix}, got ${found.length}`);
    return found[0] as SinkRequest;
  };

  test('a new request reaches Slack, Teams, Jira, ServiceNow and the signed webhook, each in its native shape', async () => {
    const start = sink.requests.length;
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:9.0.1'),
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    await sink.waitFor(start + 5);
    const got = sink.requests.slice(start);
    const msgId = `msg_${id}_requested`;
    for (const r of got) {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['idempotency-key'], msgId);
      assert.match(String(r.headers['content-type']), /application\/json/);
    }

    const slack = one(got, '/slack/');
    assert.equal(slack.path, `/slack/services/${SLACK_TOKEN}`);
    const slackBody = JSON.parse(slack.body) as { blocks: { type: string }[]; text: string };
    assert.equal(slackBody.blocks[0]?.type, 'header');
    assert.match(slackBody.text, /deploy/);

    const teams = JSON.parse(one(got, '/teams/').body) as {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string } }[];
    };
    assert.equal(teams.type, 'message');
    assert.equal(teams.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(teams.attachments[0]?.content.type, 'AdaptiveCard');

    const jira = one(got, '/rest/api/3/issue');
    const jiraBody = JSON.parse(jira.body) as {
      fields: {
        project: { key: string };
        issuetype: { name: string };
        description: { type: string };
        labels: string[];
      };
    };
    assert.deepEqual(jiraBody.fields.project, { key: 'OPS' });
    assert.deepEqual(jiraBody.fields.issuetype, { name: 'Change' });
    assert.equal(jiraBody.fields.description.type, 'doc');
    assert.ok(jiraBody.fields.labels.includes('countersign-requested'));
    assert.equal(
      jira.headers.authorization,
      `Basic ${Buffer.from(`${SECRETS.T_JIRA_USER}:${SECRETS.T_JIRA_TOKEN}`).toString('base64')}`,
    );

    const sn = one(got, '/sn/');
    assert.equal(sn.path, '/sn/api/now/table/change_request');
    const snBody = JSON.parse(sn.body) as { correlation_id: string; short_description: string };
    assert.equal(snBody.correlation_id, id);
    assert.equal(
      sn.headers.authorization,
      `Basic ${Buffer.from(`${SECRETS.T_SN_USER}:${SECRETS.T_SN_PASSWORD}`).toString('base64')}`,
    );

    const hook = one(got, '/webhook/');
    assert.equal(hook.headers['webhook-id'], msgId);
    const verified = new Webhook(SECRETS.T_WEBHOOK_SECRET).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string; approval: { id: string; state: string } };
    assert.equal(verified.type, 'approval.requested');
    assert.equal(verified.approval.id, id);
    assert.throws(() =>
      new Webhook(webhookSecret('some-other-secret-entirely')).verify(hook.body, {
        'webhook-id': String(hook.headers['webhook-id']),
        'webhook-timestamp': String(hook.headers['webhook-timestamp']),
        'webhook-signature': String(hook.headers['webhook-signature']),
      }),
    );

    // evidence: every provider delivered once; asking again sends nothing new
    const ev = await cs.api<{ deliveries: Evidence[] }>(
      'admin',
      'POST',
      `/v1/approvals/${id}/deliver`,
      {},
    );
    assert.equal(ev.status, 200);
    assert.deepEqual(
      ev.body.deliveries
        .map((d) => [d.provider, d.event, d.status, d.attempts, d.responseStatus])
        .sort(),
      ['jira', 'servicenow', 'slack', 'teams', 'webhook'].map((p) => [
        p,
        'requested',
        'delivered',
        1,
        200,
      ]),
    );
    const slackEvidence = ev.body.deliveries.find((d) => d.provider === 'slack');
    // token-like path segments are cut (on hooks.slack.com everything after /services)
    assert.equal(slackEvidence?.target, `${sink.url}/slack/services/T0123ABCD/B0456EFGH/…`);
    assert.equal(
      sink.requests.length,
      start + 5,
      'deliver-now does not resend delivered notifications',
    );

    const audit = await cs.server.runtime.store.listAuditEvents(
      { approvalId: id, type: 'notification.delivered' },
      { limit: 50 },
    );
    assert.equal(audit.items.length, 5);
    assert.deepEqual(audit.items.map((e) => e.event.details.provider).sort(), [
      'jira',
      'servicenow',
      'slack',
      'teams',
      'webhook',
    ]);
    const texts = [JSON.stringify(ev.body), JSON.stringify(audit.items), ...cs.logs];
    assert.deepEqual(findSecrets(texts, secretValues), []);
  });

  test('the deciding approve sends the decision to every provider; a partial review sends nothing', async () => {
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:9.0.2'),
    });
    const id = created.body.id;
    await sink.waitFor(sink.requests.length >= 5 ? sink.requests.length : 5);
    // let the five "requested" deliveries land
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && sink.requests.filter((r) => r.body.includes(id)).length < 5) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = sink.requests.length;
    assert.equal(
      (await cs.api('alice', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' })).status,
      200,
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.requests.length, before, 'a review that does not decide notifies nobody');
    assert.equal(
      (await cs.api('bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' })).status,
      200,
    );
    await sink.waitFor(before + 5);
    const decided = sink.requests.slice(before);
    assert.ok(decided.every((r) => r.headers['idempotency-key'] === `msg_${id}_approved`));
    const hook = one(decided, '/webhook/');
    const payload = new Webhook(SECRETS.T_WEBHOOK_SECRET).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string; approval: { state: string; outcome: { state: string } } };
    assert.equal(payload.type, 'approval.approved');
    assert.equal(payload.approval.outcome.state, 'approved');
  });

  test('a callbackUrl receives the decision signed with the callback secret; one outside the allowlist is refused', async () => {
    const refused = await cs.api<{ code: string; errors: { path: string }[] }>(
      'requester',
      'POST',
      '/v1/approvals',
      { action: deployAction('shop:9.0.3'), callbackUrl: `${sink.url}/elsewhere/run-1` },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'validation_failed');
    assert.equal(refused.body.errors[0]?.path, '/callbackUrl');

    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:9.0.4'),
      callbackUrl: `${sink.url}/ci/run-42?token=${SECRETS.T_JIRA_TOKEN}`,
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal(
      (await cs.api('alice', 'POST', `/v1/approvals/${id}/deny`, { reason: 'not today' })).status,
      200,
    );
    const deadline = Date.now() + 5000;
    let callback: SinkRequest | undefined;
    while (Date.now() < deadline && !callback) {
      callback = sink.requests.find((r) => r.path.startsWith('/ci/run-42'));
      if (!callback) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(callback, 'the callback arrived');
    const headers = {
      'webhook-id': String(callback.headers['webhook-id']),
      'webhook-timestamp': String(callback.headers['webhook-timestamp']),
      'webhook-signature': String(callback.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-id'], `msg_${id}_denied`);
    const payload = new Webhook(SECRETS.T_CALLBACK_SECRET).verify(callback.body, headers) as {
      type: string;
      approval: { id: string; outcome: { reason: string } };
    };
    assert.equal(payload.type, 'approval.denied');
    assert.equal(payload.approval.id, id);
    assert.equal(payload.approval.outcome.reason, 'not today');
    assert.throws(() => new Webhook(SECRETS.T_WEBHOOK_SECRET).verify(callback.body, headers));

    const ev = await cs.api<{ deliveries: Evidence[] }>(
      'admin',
      'POST',
      `/v1/approvals/${id}/deliver`,
      {
        providers: ['callback'],
      },
    );
    assert.equal(ev.body.deliveries.length, 1);
    assert.equal(ev.body.deliveries[0]?.status, 'delivered');
    assert.equal(ev.body.deliveries[0]?.target, `${sink.url}/ci/run-42?…`);
    assert.deepEqual(findSecrets([JSON.stringify(ev.body), ...cs.logs], secretValues), []);
  });

  test('deliver needs admin and validates its providers', async () => {
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:9.0.5'),
    });
    const id = created.body.id;
    const asRequester = await cs.api<{ code: string }>(
      'requester',
      'POST',
      `/v1/approvals/${id}/deliver`,
      {},
    );
    assert.equal(asRequester.status, 403);
    assert.equal(asRequester.body.code, 'forbidden');
    const bad = await cs.api<{ code: string }>('admin', 'POST', `/v1/approvals/${id}/deliver`, {
      providers: ['pager'],
    });
    assert.equal(bad.status, 400);
    const missing = await cs.api<{ code: string }>(
      'admin',
      'POST',
      '/v1/approvals/apr_missing/deliver',
      {},
    );
    assert.equal(missing.status, 404);
  });
});
