/**
 * What a reviewer is shown and may do, over HTTP: the approval a request follows, the rule's
 * description, links from console.links, display names in history, canCancel/canRevoke, the
 * approvalReason switch (approve only; deny and break-glass keep their reason), break-glass
 * choices from policy, and the audit log newest first with search.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, TEST_POLICY, type Harness } from '../helpers/harness.js';

const POLICY = TEST_POLICY.replace(
  '  staging:\n    posture: staging\n',
  '  staging:\n    posture: staging\n    approvalReason: optional\n    description: Pre-production\n',
).replace(
  '      restart:\n        approvers: { groups: [sre], min: 1 }\n',
  '      restart:\n        approvers: { groups: [sre], min: 1 }\n        description: Restarts are safe but need an SRE\n',
);

interface View {
  id: string;
  state: string;
  action: { spec?: unknown };
  history: { event: string; actor: string; actorName: string }[];
  reasonRequired: boolean;
  canCancel: boolean;
  canRevoke: boolean;
  ruleDescription: string | null;
  links: Record<string, string>;
  reviews: { reason: string }[];
}

describe('reviewer facts over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      policy: POLICY,
      linkTemplates: {
        repository: 'https://github.com/{repository}',
        run: 'https://github.com/{repository}/actions/runs/{runId}',
      },
    });
  });
  after(async () => h.close());

  const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await h.app.inject({
      method,
      url,
      headers: h.auth(who),
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const create = async (action: object) => {
    const r = await call('requester', 'POST', '/v1/approvals', { action });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as unknown as View;
  };

  test('the previous approval, rule description, links and names; cancel and revoke rights', async () => {
    const restart = (spec: object) => ({
      kind: 'restart',
      environment: 'prod',
      project: 'shop',
      target: 'k8s/prod/shop',
      spec,
      repository: 'acme/shop',
      runId: '77',
    });
    const first = await create(restart({ replicas: 3 }));
    const none = await call('bob', 'GET', `/v1/approvals/${first.id}/previous`);
    assert.deepEqual(none, { status: 200, body: { previous: null } });
    assert.equal(
      (await call('bob', 'POST', `/v1/approvals/${first.id}/approve`, { reason: 'ok' })).status,
      200,
    );
    h.clock.advance(60_000);
    const second = await create(restart({ replicas: 5 }));
    assert.equal(second.ruleDescription, 'Restarts are safe but need an SRE');
    assert.deepEqual(second.links, {
      repository: 'https://github.com/acme/shop',
      run: 'https://github.com/acme/shop/actions/runs/77',
    });
    assert.deepEqual(second.action.spec, { replicas: 5 });
    assert.equal(second.reasonRequired, true);
    assert.equal(second.canCancel, true, 'the requester may cancel');
    const prev = await call('bob', 'GET', `/v1/approvals/${second.id}/previous`);
    const previous = prev.body.previous as View;
    assert.equal(previous.id, first.id);
    assert.deepEqual(previous.action.spec, { replicas: 3 });
    // history names people as the quorum does; the id stays alongside
    const approved = (await call('admin', 'GET', `/v1/approvals/${first.id}`))
      .body as unknown as View;
    assert.deepEqual(
      approved.history.map((e) => `${e.event} by ${e.actorName}`),
      ['requested by requester', 'reviewed by bob', 'approved by bob'],
    );
    assert.match(approved.history[1]?.actor ?? '', /^apikey:/);
    // revoke: the approver and an admin may; a reviewer of another group may not
    const asBob = (await call('bob', 'GET', `/v1/approvals/${first.id}`)).body as unknown as View;
    const asAlice = (await call('alice', 'GET', `/v1/approvals/${first.id}`))
      .body as unknown as View;
    assert.equal(asBob.canRevoke, true);
    assert.equal(asAlice.canRevoke, false);
    assert.equal(asBob.canCancel, false);
    // an admin cancels: the history records the admin's name
    const cancelled = await call('admin', 'POST', `/v1/approvals/${second.id}/cancel`, {});
    const c = cancelled.body as unknown as View;
    assert.equal(c.state, 'cancelled');
    assert.equal(c.history.at(-1)?.actorName, 'admin');
    assert.equal(c.canCancel, false);
    assert.equal((await call('bob', 'GET', '/v1/approvals/apr_nope/previous')).status, 404);
  });

  test('approvalReason: optional lets an approve omit the reason; deny and prod still need one', async () => {
    const staging = await create({ ...deployAction('web:1'), environment: 'staging' });
    assert.equal(staging.reasonRequired, false);
    const ok = await call('alice', 'POST', `/v1/approvals/${staging.id}/approve`, {});
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((ok.body as unknown as View).reviews[0]?.reason, '');
    const denyMe = await create({ ...deployAction('web:2'), environment: 'staging' });
    const deny = await call('alice', 'POST', `/v1/approvals/${denyMe.id}/deny`, { reason: '' });
    assert.equal(deny.status, 400);
    const prod = await create({ ...deployAction('web:3') });
    const blank = await call('alice', 'POST', `/v1/approvals/${prod.id}/approve`, { reason: '  ' });
    assert.equal(blank.status, 400);
    assert.equal(blank.body.code, 'validation_failed');
    assert.deepEqual(blank.body.errors, [{ path: '/reason', message: 'a reason is required' }]);
    const after = (await call('alice', 'GET', `/v1/approvals/${prod.id}`)).body as unknown as View;
    assert.equal(after.state, 'pending');
    assert.equal(after.reviews.length, 0, 'nothing recorded');
  });

  test('break-glass choices from policy, for those who may request', async () => {
    const ic = await call('ic', 'GET', '/v1/policy/break-glass-options');
    assert.equal(ic.status, 200);
    const envs = ic.body.environments as {
      id: string;
      mayDeclare: boolean;
      approverGroups: string[];
      maxDurationSec: number;
      requireExternalRef: boolean;
    }[];
    assert.deepEqual(
      envs.map((e) => [e.id, e.mayDeclare, e.maxDurationSec, e.requireExternalRef]),
      [
        ['locked', true, 3600, true],
        ['prod', true, 14_400, true],
      ],
    );
    assert.deepEqual(envs[1]?.approverGroups, ['incident-commanders', 'release-managers', 'sre']);
    assert.ok((ic.body.projects as string[]).includes('shop'));
    const requester = await call('requester', 'GET', '/v1/policy/break-glass-options');
    assert.equal((requester.body.environments as { mayDeclare: boolean }[])[0]?.mayDeclare, false);
    assert.equal((await call('alice', 'GET', '/v1/policy/break-glass-options')).status, 403);
  });

  test('audit newest first with cursor, and search', async () => {
    const page1 = await call('admin', 'GET', '/v1/audit?order=desc&limit=2');
    const items1 = page1.body.items as { index: number }[];
    assert.equal(items1.length, 2);
    assert.ok((items1[0]?.index ?? 0) > (items1[1]?.index ?? 0));
    const page2 = await call(
      'admin',
      'GET',
      `/v1/audit?order=desc&limit=2&cursor=${String(page1.body.nextCursor)}`,
    );
    const items2 = page2.body.items as { index: number }[];
    assert.equal(items2[0]?.index, (items1[1]?.index ?? 0) - 1);
    // case-insensitive text anywhere in the event (here: the actor's name)
    const hits = await call('admin', 'GET', '/v1/audit?q=REQUESTER&type=approval.requested');
    const events = hits.body.items as { event: { type: string; actor: { name: string } } }[];
    assert.ok(events.length >= 4);
    assert.ok(events.every((e) => e.event.actor.name === 'requester'));
    const none = await call('admin', 'GET', '/v1/audit?q=no%20such%20text');
    assert.deepEqual(none.body.items, []);
    assert.equal((await call('admin', 'GET', '/v1/audit?order=sideways')).status, 400);
  });
});
