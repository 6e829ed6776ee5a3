/**
 * Slack approvals end to end, against a loopback server standing in for Slack's Web API: the
 * request is posted with chat.postMessage; a signed button click opens the review modal
 * (views.open); the signed modal submission records the review as the mapped principal; the
 * message is updated in place (chat.update on the stored channel and ts). Forged, stale and
 * replayed requests are answered 401 and change nothing; unmapped users and requests that need
 * the console get an ephemeral reply.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deployAction } from '../helpers/harness.js';
import {
  findSecrets,
  startNotifyServer,
  startSink,
  type NotifyServer,
  type Sink,
  type SinkRequest,
} from '../helpers/notify.js';

const BOT_TOKEN = 'xoxb-0000000000-1111111111-botTokenSecret';
const SIGNING_SECRET = 'slack-signing-secret-0123456789abcdef';
const TEAM = 'T0TEAM';
const CHANNEL = 'C0APPROVALS';
const TS = '1733300000.000100';

interface Block {
  type: string;
  block_id?: string;
  elements?: { action_id: string; value?: string; url?: string }[];
  text?: { text: string };
}

function sign(body: string, timestamp: number, secret = SIGNING_SECRET): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${sig}`,
  };
}

const form = (payload: object): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

function click(user: string, approvalId: string, verdict: 'approve' | 'deny', trigger: string) {
  return form({
    type: 'block_actions',
    team: { id: TEAM, domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), team_id: TEAM },
    trigger_id: trigger,
    channel: { id: CHANNEL },
    container: { type: 'message', channel_id: CHANNEL, message_ts: TS },
    message: { ts: TS },
    actions: [
      {
        type: 'button',
        block_id: 'countersign_review',
        action_id: verdict === 'approve' ? 'countersign_approve' : 'countersign_deny',
        value: approvalId,
      },
    ],
  });
}

function submission(user: string, privateMetadata: string, reason: string, ref = '') {
  return form({
    type: 'view_submission',
    team: { id: TEAM, domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), team_id: TEAM },
    view: {
      id: 'V0MODAL',
      callback_id: 'countersign_review',
      private_metadata: privateMetadata,
      state: {
        values: {
          reason: { reason: { type: 'plain_text_input', value: reason } },
          external_ref: { external_ref: { type: 'plain_text_input', value: ref || null } },
        },
      },
    },
  });
}

/** Slack's Web API, as far as Countersign uses it. */
function slackAnswer(req: SinkRequest): { status: number; json: unknown } {
  const method = req.path.replace(/^\/api\//, '');
  const args = new URLSearchParams(req.body);
  switch (method) {
    case 'chat.postMessage':
      return { status: 200, json: { ok: true, channel: CHANNEL, ts: TS } };
    case 'users.info': {
      const id = args.get('user');
      const known = id === 'U0CAROL';
      return {
        status: 200,
        json: known
          ? {
              ok: true,
              user: {
                id,
                team_id: TEAM,
                is_email_confirmed: true,
                profile: { email: 'Carol@Acme.example' },
              },
            }
          : { ok: true, user: { id, team_id: TEAM, is_email_confirmed: false, profile: {} } },
      };
    }
    case 'usergroups.users.list':
      return { status: 200, json: { ok: true, users: ['U0DAVE'] } };
    default:
      return { status: 200, json: { ok: true } };
  }
}

describe('Slack interactive approvals', () => {
  let slack: Sink;
  let cs: NotifyServer;

  before(async () => {
    slack = await startSink((req) => slackAnswer(req));
    cs = await startNotifyServer({
      secrets: { T_SLACK_BOT: BOT_TOKEN, T_SLACK_SIGNING: SIGNING_SECRET },
      notificationsYaml: `
  providers:
    slack:
      botTokenEnv: T_SLACK_BOT
      channel: ${CHANNEL}
      apiUrl: ${slack.url}/api
      interactive:
        signingSecretEnv: T_SLACK_SIGNING
        teamId: ${TEAM}
        users:
          U0ALICE: { groups: [release-managers] }
          U0ERIN: { subject: "slack:erin", groups: [sre] }
        emails:
          carol@acme.example: { groups: [sre] }
        userGroups:
          S0SRE: slack-sre
        requireConsoleFor:
          - { environment: prod, kind: restart }
  retry: { attempts: 3, initialDelay: 50ms, maxDelay: 200ms }`,
      extraYaml: `
identity:
  rbac:
    groupMappings:
      slack-sre: [sre]`,
    });
  });
  after(async () => {
    await cs?.close();
    await slack?.close();
  });

  const calls = (method: string, from = 0): SinkRequest[] =>
    slack.requests.slice(from).filter((r) => r.path === `/api/${method}`);

  async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${cs.url}/v1/integrations/slack/interactions`, { method: 'POST', headers, body });

  async function requestApproval(image: string, action: object = deployAction(image)) {
    const from = slack.requests.length;
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', { action });
    assert.equal(created.status, 201);
    const id = created.body.id;
    const posted = await until('chat.postMessage', () =>
      calls('chat.postMessage', from).find((r) => r.body.includes(id)),
    );
    return { id, posted };
  }

  const now = () => Math.floor(Date.now() / 1000);

  async function state(id: string) {
    const a = await cs.api<{
      version: number;
      state: string;
      reviews: { reviewer: { id: string }; via?: string; verdict: string }[];
      records: { provider: string; key: string; channel: string | null }[];
    }>('admin', 'GET', `/v1/approvals/${id}`);
    return a.body;
  }
  /** The request's audit events other than deliveries (those land whenever a send finishes). */
  const changes = async (id: string) =>
    (await cs.server.runtime.store.listAuditEvents({ approvalId: id }, { limit: 1000 })).items
      .map((e) => e.event.type)
      .filter((t) => !t.startsWith('notification.')).length;

  test('request → message → signed click → modal → signed submission → review as the mapped principal → message updated in place', async () => {
    const { id, posted } = await requestApproval('shop:10.0.0');
    // chat.postMessage: bot token, JSON, the configured channel, Approve / Deny buttons
    assert.equal(posted.method, 'POST');
    assert.equal(posted.headers.authorization, `Bearer ${BOT_TOKEN}`);
    assert.equal(posted.headers['content-type'], 'application/json; charset=utf-8');
    const msg = JSON.parse(posted.body) as { channel: string; text: string; blocks: Block[] };
    assert.equal(msg.channel, CHANNEL);
    const buttons = msg.blocks.find((b) => b.block_id === 'countersign_review')?.elements ?? [];
    assert.deepEqual(
      buttons.map((b) => [b.action_id, b.value]),
      [
        ['countersign_approve', id],
        ['countersign_deny', id],
        ['countersign_open_approval', undefined],
      ],
    );
    // the message's channel and ts are stored with the request and shown on it
    const rec = await until('the stored record', async () => (await state(id)).records[0]);
    assert.equal(rec.provider, 'slack');
    assert.equal(rec.key, TS);
    assert.equal(rec?.channel, CHANNEL);

    // a signed click opens the modal with the request and verdict in private_metadata
    const from = slack.requests.length;
    const clickBody = click('U0ALICE', id, 'approve', 'trigger-1');
    const clicked = await post(clickBody, sign(clickBody, now()));
    assert.equal(clicked.status, 200);
    const opened = await until('views.open', () => calls('views.open', from)[0]);
    assert.equal(opened.headers.authorization, `Bearer ${BOT_TOKEN}`);
    const modal = JSON.parse(opened.body) as {
      trigger_id: string;
      view: { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };
    };
    assert.equal(modal.trigger_id, 'trigger-1');
    assert.equal(modal.view.callback_id, 'countersign_review');
    assert.deepEqual(JSON.parse(modal.view.private_metadata), {
      approvalId: id,
      verdict: 'approve',
    });
    assert.deepEqual(modal.view.blocks.map((b) => b.block_id).filter(Boolean), [
      'reason',
      'external_ref',
    ]);

    // the signed submission records the review as the mapped principal, marked via slack
    const subBody = submission('U0ALICE', modal.view.private_metadata, 'looks right', 'CHG-1');
    const subHeaders = sign(subBody, now());
    const submitted = await post(subBody, subHeaders);
    assert.equal(submitted.status, 200);
    assert.equal(await submitted.text(), '');
    const after1 = await state(id);
    assert.equal(after1.state, 'pending');
    assert.deepEqual(
      after1.reviews.map((r) => [r.reviewer.id, r.verdict, r.via]),
      [[`slack:${TEAM}/U0ALICE`, 'approve', 'slack']],
    );
    const audit = await cs.server.runtime.store.listAuditEvents(
      { approvalId: id, type: 'approval.reviewed' },
      { limit: 10 },
    );
    assert.equal(audit.items.length, 1);
    assert.equal(audit.items[0]?.event.actor.id, `slack:${TEAM}/U0ALICE`);
    assert.equal(audit.items[0]?.event.details.channel, 'slack');
    assert.equal(audit.items[0]?.event.details.externalRef, 'CHG-1');

    // …and the message is updated in place: chat.update on the stored channel and ts
    const update1 = await until('chat.update (progress)', () =>
      calls('chat.update', from).find((r) => r.body.includes('1/2 approvals')),
    );
    assert.equal(update1.headers.authorization, `Bearer ${BOT_TOKEN}`);
    const u1 = JSON.parse(update1.body) as { channel: string; ts: string; blocks: Block[] };
    assert.equal(u1.channel, CHANNEL);
    assert.equal(u1.ts, TS);
    assert.ok(
      u1.blocks.some((b) => b.block_id === 'countersign_review'),
      'still has buttons',
    );
    assert.equal(calls('chat.postMessage', from).length, 0, 'no second message');

    // a replay of the accepted submission is refused before it is read
    const sizeBefore = await changes(id);
    const replayed = await post(subBody, subHeaders);
    assert.equal(replayed.status, 401);
    assert.equal(((await replayed.json()) as { code: string }).code, 'unauthenticated');
    assert.equal(await changes(id), sizeBefore);

    // the second approval (over the API) decides; the same message shows the outcome
    const from2 = slack.requests.length;
    const bob = await cs.api('bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' });
    assert.equal(bob.status, 200);
    const update2 = await until('chat.update (approved)', () =>
      calls('chat.update', from2).find((r) => r.body.includes('Approved')),
    );
    const u2 = JSON.parse(update2.body) as { ts: string; blocks: Block[] };
    assert.equal(u2.ts, TS);
    assert.ok(!u2.blocks.some((b) => b.block_id === 'countersign_review'), 'buttons gone');
    assert.equal(calls('chat.postMessage', from2).length, 0);
    assert.deepEqual(
      findSecrets([...cs.logs, JSON.stringify(await state(id))], [BOT_TOKEN, SIGNING_SECRET]),
      [],
    );
  });

  test('forged, stale and replayed requests are answered 401 and change nothing', async () => {
    const { id } = await requestApproval('shop:10.0.1');
    const before = await state(id);
    const size = await changes(id);
    const from = slack.requests.length;
    const meta = JSON.stringify({ approvalId: id, verdict: 'deny' });
    const body = submission('U0ALICE', meta, 'forged deny');

    const forged = await post(body, sign(body, now(), 'not-the-signing-secret'));
    assert.equal(forged.status, 401);
    const unsigned = await post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(unsigned.status, 401);
    const stale = await post(body, sign(body, now() - 6 * 60));
    assert.equal(stale.status, 401);
    const future = await post(body, sign(body, now() + 6 * 60));
    assert.equal(future.status, 401);
    // a signature over another body does not carry over
    const other = submission('U0ALICE', meta, 'something else');
    const swapped = await post(body, sign(other, now()));
    assert.equal(swapped.status, 401);

    // a replayed click: the first opens a modal, the replay is refused and opens nothing
    const clickBody = click('U0ALICE', id, 'deny', 'trigger-2');
    const headers = sign(clickBody, now());
    assert.equal((await post(clickBody, headers)).status, 200);
    await until('views.open', () => calls('views.open', from)[0]);
    const replay = await post(clickBody, headers);
    assert.equal(replay.status, 401);

    const after = await state(id);
    assert.equal(after.version, before.version);
    assert.equal(after.reviews.length, 0);
    assert.equal(await changes(id), size, 'nothing was written to the audit log');
    assert.equal(calls('views.open', from).length, 1);
    assert.equal(calls('chat.update', from).length, 0);
  });

  test('unmapped users get an ephemeral "not eligible"; e-mail and user-group mappings work, deny wins', async () => {
    const { id } = await requestApproval('shop:10.0.2');
    const from = slack.requests.length;
    const nobody = click('U0NOBODY', id, 'approve', 'trigger-3');
    assert.equal((await post(nobody, sign(nobody, now()))).status, 200);
    const eph = await until('chat.postEphemeral', () => calls('chat.postEphemeral', from)[0]);
    const e = JSON.parse(eph.body) as { channel: string; user: string; text: string };
    assert.deepEqual([e.channel, e.user], [CHANNEL, 'U0NOBODY']);
    assert.match(e.text, /not eligible/i);
    assert.equal(calls('views.open', from).length, 0);

    // Carol: verified e-mail (users.info) → sre; Dave: member of S0SRE → slack-sre → sre
    const carol = submission(
      'U0CAROL',
      JSON.stringify({ approvalId: id, verdict: 'approve' }),
      'ok',
    );
    assert.equal((await post(carol, sign(carol, now()))).status, 200);
    const info = calls('users.info', from).find((r) => r.body.includes('U0CAROL'));
    assert.equal(info?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(info?.body, 'user=U0CAROL');
    const dave = submission('U0DAVE', JSON.stringify({ approvalId: id, verdict: 'deny' }), 'no');
    const daveAnswer = await post(dave, sign(dave, now()));
    assert.equal(daveAnswer.status, 200);
    assert.equal(await daveAnswer.text(), '');
    const a = await state(id);
    assert.equal(a.state, 'denied');
    assert.deepEqual(
      a.reviews.map((r) => [r.reviewer.id, r.verdict]),
      [
        [`slack:${TEAM}/U0CAROL`, 'approve'],
        [`slack:${TEAM}/U0DAVE`, 'deny'],
      ],
    );
    // Carol again: the modal answers with the refusal, nothing changes
    const again = submission(
      'U0CAROL',
      JSON.stringify({ approvalId: id, verdict: 'approve' }),
      'x',
    );
    const refused = await post(again, sign(again, now()));
    assert.equal(refused.status, 200);
    const errors = (await refused.json()) as {
      response_action: string;
      errors: { reason: string };
    };
    assert.equal(errors.response_action, 'errors');
    assert.match(errors.errors.reason, /no longer pending/);
  });

  test('a request that requires the console gets no buttons, and a click answers with the console link', async () => {
    const restart = { kind: 'restart', environment: 'prod', project: 'shop', spec: { svc: 'api' } };
    const { id, posted } = await requestApproval('', restart);
    const msg = JSON.parse(posted.body) as { blocks: Block[] };
    assert.ok(!msg.blocks.some((b) => b.block_id === 'countersign_review'));
    assert.ok(JSON.stringify(msg.blocks).includes('sign-in required'));
    const from = slack.requests.length;
    const size = await changes(id);
    const erin = click('U0ERIN', id, 'approve', 'trigger-4');
    assert.equal((await post(erin, sign(erin, now()))).status, 200);
    const eph = await until('chat.postEphemeral', () => calls('chat.postEphemeral', from)[0]);
    assert.match(
      (JSON.parse(eph.body) as { text: string }).text,
      new RegExp(`console.*http://127\\.0\\.0\\.1:8080/console/approvals/${id}`),
    );
    assert.equal(calls('views.open', from).length, 0);
    // a crafted submission is refused as well
    const sub = submission('U0ERIN', JSON.stringify({ approvalId: id, verdict: 'approve' }), 'ok');
    const res = await post(sub, sign(sub, now()));
    assert.equal(((await res.json()) as { response_action: string }).response_action, 'errors');
    assert.equal((await state(id)).reviews.length, 0);
    assert.equal(await changes(id), size);
  });
});
