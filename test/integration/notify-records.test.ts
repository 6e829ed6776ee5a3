/**
 * One Jira issue and one ServiceNow change request per request, against loopback servers that
 * answer like Jira Cloud (REST v3) and the ServiceNow Table API: created on `requested` (after a
 * lookup), then commented / work-noted on each review and transitioned / moved to the configured
 * state on the decision. The key is stored and shown on the request; a create whose response was
 * lost is found by the lookup on retry instead of being made twice.
 */
import assert from 'node:assert/strict';
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

const SECRETS = {
  T_JIRA_USER: 'ops-bot@acme.example',
  T_JIRA_TOKEN: 'jira-api-token-0123456789',
  T_SN_USER: 'countersign.integration',
  T_SN_PASSWORD: 'sn-password-0123456789',
};
const JIRA_AUTH = `Basic ${Buffer.from(`${SECRETS.T_JIRA_USER}:${SECRETS.T_JIRA_TOKEN}`).toString('base64')}`;
const SN_AUTH = `Basic ${Buffer.from(`${SECRETS.T_SN_USER}:${SECRETS.T_SN_PASSWORD}`).toString('base64')}`;

/** A tiny Jira + ServiceNow: remembers what was created so lookups find it. */
class Tickets {
  issues: { key: string; labels: string[] }[] = [];
  changes: { sysId: string; correlationId: string }[] = [];
  /** Answer the next create with this status after creating (a lost response). */
  loseNextCreate = { jira: false, servicenow: false };

  answer(req: SinkRequest): { status: number; json: unknown } {
    const url = new URL(req.path, 'http://sink');
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (req.method === 'POST' && url.pathname === '/rest/api/3/search/jql') {
      const label = /labels = "([^"]+)"/.exec(String(body.jql))?.[1] ?? '';
      const found = this.issues.filter((i) => i.labels.includes(label)).slice(0, 1);
      return { status: 200, json: { issues: found.map((i) => ({ id: '1', key: i.key })) } };
    }
    if (req.method === 'POST' && url.pathname === '/rest/api/3/issue') {
      const key = `OPS-${this.issues.length + 7}`;
      const labels = (body.fields as { labels: string[] }).labels;
      this.issues.push({ key, labels });
      if (this.loseNextCreate.jira) {
        this.loseNextCreate.jira = false;
        return { status: 502, json: { error: 'gateway' } };
      }
      return { status: 201, json: { id: '10001', key, self: `http://jira/issue/${key}` } };
    }
    if (req.method === 'GET' && /\/transitions$/.test(url.pathname)) {
      return {
        status: 200,
        json: {
          transitions: [
            { id: '31', name: 'Done' },
            { id: '41', name: "Won't Do" },
          ],
        },
      };
    }
    if (url.pathname.startsWith('/rest/api/3/issue/')) return { status: 204, json: {} };
    if (url.pathname === '/sn/api/now/table/change_request' && req.method === 'GET') {
      const cid = /^correlation_id=(.+)$/.exec(url.searchParams.get('sysparm_query') ?? '')?.[1];
      const found = this.changes.filter((c) => c.correlationId === cid).slice(0, 1);
      return { status: 200, json: { result: found.map((c) => ({ sys_id: c.sysId })) } };
    }
    if (url.pathname === '/sn/api/now/table/change_request' && req.method === 'POST') {
      const sysId = `a1b2c3d4e5f6${String(this.changes.length).padStart(20, '0')}`;
      this.changes.push({ sysId, correlationId: String(body.correlation_id) });
      if (this.loseNextCreate.servicenow) {
        this.loseNextCreate.servicenow = false;
        return { status: 503, json: { error: 'unavailable' } };
      }
      return { status: 201, json: { result: { sys_id: sysId, number: 'CHG0030001' } } };
    }
    return { status: 200, json: { result: {} } };
  }
}

describe('Jira and ServiceNow: one record per request', () => {
  let sink: Sink;
  let cs: NotifyServer;
  const tickets = new Tickets();

  before(async () => {
    sink = await startSink((req) => tickets.answer(req));
    cs = await startNotifyServer({
      secrets: SECRETS,
      notificationsYaml: `
  providers:
    jira:
      url: ${sink.url}/rest/api/3/issue
      userEnv: T_JIRA_USER
      tokenEnv: T_JIRA_TOKEN
      project: OPS
      issueType: Change
      record: { transitions: { approved: Done, denied: "Won't Do" } }
    servicenow:
      instanceUrl: ${sink.url}/sn
      userEnv: T_SN_USER
      passwordEnv: T_SN_PASSWORD
      record: { states: { approved: "-1", denied: "4" } }
  retry: { attempts: 4, initialDelay: 50ms, maxDelay: 200ms }`,
    });
  });
  after(async () => {
    await cs?.close();
    await sink?.close();
  });

  async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const sent = (from: number, method: string, path: string | RegExp) =>
    sink.requests
      .slice(from)
      .filter(
        (r) =>
          r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
      );
  const records = async (id: string) =>
    (
      await cs.api<{ records: { provider: string; key: string }[] }>(
        'admin',
        'GET',
        `/v1/approvals/${id}`,
      )
    ).body.records.map((r) => [r.provider, r.key]);

  test('created once on requested, commented on a review, commented and transitioned on the decision', async () => {
    const from = sink.requests.length;
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:11.0.0'),
    });
    const id = created.body.id;
    await until('both records', async () => ((await records(id)).length === 2 ? true : undefined));

    // Jira: search by the request's label, then create with that label
    const [search] = sent(from, 'POST', '/rest/api/3/search/jql');
    assert.equal(search?.headers.authorization, JIRA_AUTH);
    assert.deepEqual(JSON.parse(search?.body ?? ''), {
      jql: `labels = "countersign-${id}"`,
      fields: ['key'],
      maxResults: 1,
    });
    const jiraCreates = sent(from, 'POST', '/rest/api/3/issue');
    assert.equal(jiraCreates.length, 1);
    assert.equal(jiraCreates[0]?.headers.authorization, JIRA_AUTH);
    assert.equal(jiraCreates[0]?.headers['content-type'], 'application/json');
    const fields = (JSON.parse(jiraCreates[0]?.body ?? '') as { fields: Record<string, unknown> })
      .fields;
    assert.deepEqual(fields.project, { key: 'OPS' });
    assert.ok((fields.labels as string[]).includes(`countersign-${id}`));

    // ServiceNow: look up by correlation_id, then create
    const [lookup] = sent(from, 'GET', /^\/sn\/api\/now\/table\/change_request\?/);
    assert.equal(lookup?.headers.authorization, SN_AUTH);
    const q = new URL(lookup?.path ?? '', 'http://x').searchParams;
    assert.deepEqual(
      [q.get('sysparm_query'), q.get('sysparm_fields'), q.get('sysparm_limit')],
      [`correlation_id=${id}`, 'sys_id', '1'],
    );
    const snCreates = sent(from, 'POST', '/sn/api/now/table/change_request');
    assert.equal(snCreates.length, 1);
    assert.equal(
      (JSON.parse(snCreates[0]?.body ?? '') as { correlation_id: string }).correlation_id,
      id,
    );
    const issueKey = tickets.issues.at(-1)?.key ?? '';
    const sysId = tickets.changes.at(-1)?.sysId ?? '';
    assert.deepEqual(await records(id), [
      ['jira', issueKey],
      ['servicenow', sysId],
    ]);

    // a review that does not decide: a comment and a work note, no transition, no new record
    const r1 = sink.requests.length;
    assert.equal(
      (
        await cs.api('alice', 'POST', `/v1/approvals/${id}/approve`, {
          reason: 'lgtm',
          externalRef: 'CAB-9',
        })
      ).status,
      200,
    );
    const comment = await until(
      'jira comment',
      () => sent(r1, 'POST', `/rest/api/3/issue/${issueKey}/comment`)[0],
    );
    assert.equal(comment.headers.authorization, JIRA_AUTH);
    const doc = JSON.parse(comment.body) as {
      body: { type: string; content: { content: { text: string }[] }[] };
    };
    assert.equal(doc.body.type, 'doc');
    const commentText = doc.body.content.map((p) => p.content[0]?.text).join('\n');
    assert.match(commentText, /Approved by alice: lgtm/);
    assert.match(commentText, /1\/2 approvals/);
    const note = await until(
      'servicenow work note',
      () => sent(r1, 'PATCH', `/sn/api/now/table/change_request/${sysId}`)[0],
    );
    assert.equal(note.headers.authorization, SN_AUTH);
    const noteBody = JSON.parse(note.body) as { work_notes: string; state?: string };
    assert.match(noteBody.work_notes, /Approved by alice: lgtm/);
    assert.equal(noteBody.state, undefined);

    // the deciding approve: comment, transitions listed, "Done" applied; state -1 in ServiceNow
    const r2 = sink.requests.length;
    assert.equal(
      (await cs.api('bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ship it' })).status,
      200,
    );
    const move = await until(
      'jira transition',
      () => sent(r2, 'POST', `/rest/api/3/issue/${issueKey}/transitions`)[0],
    );
    assert.deepEqual(JSON.parse(move.body), { transition: { id: '31' } });
    assert.equal(move.headers.authorization, JIRA_AUTH);
    assert.equal(sent(r2, 'GET', `/rest/api/3/issue/${issueKey}/transitions`).length, 1);
    assert.equal(sent(r2, 'POST', `/rest/api/3/issue/${issueKey}/comment`).length, 1);
    const decided = await until(
      'servicenow state',
      () => sent(r2, 'PATCH', `/sn/api/now/table/change_request/${sysId}`)[0],
    );
    const decidedBody = JSON.parse(decided.body) as { work_notes: string; state: string };
    assert.equal(decidedBody.state, '-1');
    assert.match(decidedBody.work_notes, /^Approved: deploy in prod \(shop\)/);
    assert.equal(sent(from, 'POST', '/rest/api/3/issue').length, 1, 'one issue for the request');
    assert.equal(sent(from, 'POST', '/sn/api/now/table/change_request').length, 1);

    const texts = [...cs.logs, JSON.stringify(await records(id))];
    assert.deepEqual(
      findSecrets(texts, [...Object.values(SECRETS), JIRA_AUTH.slice(6), SN_AUTH.slice(6)]),
      [],
    );
  });

  test('a create whose response was lost is found by the lookup on retry, not made twice', async () => {
    tickets.loseNextCreate = { jira: true, servicenow: true };
    const from = sink.requests.length;
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:11.0.1'),
    });
    const id = created.body.id;
    await until('both records', async () => ((await records(id)).length === 2 ? true : undefined));
    assert.equal(sent(from, 'POST', '/rest/api/3/issue').length, 1);
    assert.equal(sent(from, 'POST', '/sn/api/now/table/change_request').length, 1);
    assert.equal(sent(from, 'POST', '/rest/api/3/search/jql').length, 2);
    assert.deepEqual(await records(id), [
      ['jira', tickets.issues.at(-1)?.key],
      ['servicenow', tickets.changes.at(-1)?.sysId],
    ]);
    const deliveries = await cs.api<{
      deliveries: { provider: string; status: string; attempts: number }[];
    }>('admin', 'POST', `/v1/approvals/${id}/deliver`, {});
    assert.deepEqual(
      deliveries.body.deliveries.map((d) => [d.provider, d.status, d.attempts]).sort(),
      [
        ['jira', 'delivered', 2],
        ['servicenow', 'delivered', 2],
      ],
    );
  });
});
