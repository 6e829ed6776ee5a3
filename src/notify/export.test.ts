import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportNotifications, exportProviderRequests } from './export.js';
import { breakGlassApproval, CTX, deniedApproval, pendingApproval } from './test-fixtures.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'countersign-notify-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const onlySlackAndJira = {
  ...CTX,
  config: {
    ...CTX.config,
    providers: { ...CTX.config.providers, teams: null, servicenow: null, webhook: null },
  },
};

describe('exportNotifications', () => {
  it('writes <provider>-<event>.json for configured providers and the events that apply', async () => {
    const dir = join(root, 'denied');
    const written = await exportNotifications(deniedApproval(), onlySlackAndJira, dir);
    const names = (await readdir(dir)).sort();
    assert.deepEqual(names, [
      'jira-decided.json',
      'jira-requested.json',
      'slack-decided.json',
      'slack-requested.json',
    ]);
    assert.equal(written.length, 4);
    const slack = JSON.parse(await readFile(join(dir, 'slack-decided.json'), 'utf8'));
    assert.equal(slack.blocks[0].text.text, 'Denied: deploy in prod (payments-api)');
  });

  it('writes all five providers with allProviders, including break_glass', async () => {
    const dir = join(root, 'break-glass');
    const none = {
      ...CTX,
      config: {
        ...CTX.config,
        providers: { slack: null, teams: null, jira: null, servicenow: null, webhook: null },
      },
    };
    await exportNotifications(breakGlassApproval(), none, dir, { allProviders: true });
    const names = await readdir(dir);
    assert.equal(names.length, 15);
    for (const p of ['slack', 'teams', 'jira', 'servicenow', 'webhook']) {
      for (const e of ['requested', 'decided', 'break_glass'])
        assert.ok(names.includes(`${p}-${e}.json`));
    }
  });

  it('a pending request exports only requested', async () => {
    const dir = join(root, 'pending');
    await exportNotifications(pendingApproval(), CTX, dir);
    assert.deepEqual((await readdir(dir)).sort(), [
      'jira-requested.json',
      'servicenow-requested.json',
      'slack-requested.json',
      'teams-requested.json',
      'webhook-requested.json',
    ]);
  });
});

describe('exportProviderRequests', () => {
  it('writes <provider>-<event>.request.json specs', async () => {
    const dir = join(root, 'requests');
    await exportProviderRequests(pendingApproval(), onlySlackAndJira, dir);
    assert.deepEqual((await readdir(dir)).sort(), [
      'jira-requested.request.json',
      'slack-requested.request.json',
    ]);
    const spec = JSON.parse(await readFile(join(dir, 'slack-requested.request.json'), 'utf8'));
    assert.equal(spec.url, '${COUNTERSIGN_SLACK_WEBHOOK_URL}');
    assert.equal(spec.provider, 'slack');
    assert.equal(spec.event, 'requested');
    assert.equal(spec.method, 'POST');
  });
});
