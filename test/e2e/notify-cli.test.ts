/**
 * The notification and resume commands of the real CLI: export files (local and remote),
 * `approval wait` exit codes against a running server, and `approval deliver`.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, startCliServer } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('notification and resume commands of the CLI', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  const tokens: Record<string, string> = {};
  const env = (who: string) => ({
    COUNTERSIGN_URL: server.url,
    COUNTERSIGN_TOKEN: tokens[who] ?? '',
  });
  const cli = (who: string, args: string[], timeoutMs?: number) =>
    runCli(args, { cwd: dir, env: env(who), ...(timeoutMs ? { timeoutMs } : {}) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-notify-cli-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    tokens.admin = JSON.parse(init.stdout).adminToken as string;
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
    for (const [name, scopes, groups] of [
      ['ci', 'approvals:request,gate:check', ''],
      ['alice', 'approvals:review', 'release-managers'],
      ['bob', 'approvals:review', 'sre'],
    ] as const) {
      const r = await cli('admin', [
        'apikey',
        'create',
        '--name',
        name,
        '--scopes',
        scopes,
        ...(groups ? ['--groups', groups] : []),
      ]);
      assert.equal(r.code, 0, r.stderr);
      tokens[name] = r.stdout.trim();
    }
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = async (image: string): Promise<string> => {
    const doc = JSON.parse(readFileSync(join(dir, 'examples/deploy-prod.json'), 'utf8')) as {
      spec: { image: string };
    };
    doc.spec.image = image;
    const file = join(dir, `${image.replace(/\W/g, '_')}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const r = await cli('ci', ['approval', 'create', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).approval.id as string;
  };

  test('export-notifications and provider-requests write files for every provider, with no secret', async () => {
    const id = await create('img:1');
    const out = join(dir, 'exports');
    const r = await cli('ci', ['approval', 'export-notifications', id, '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const specs = join(dir, 'specs');
    const s = await cli('ci', ['approval', 'provider-requests', id, '--output', specs, '--json']);
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(readdirSync(out).sort(), [
      'jira-requested.json',
      'servicenow-requested.json',
      'slack-requested.json',
      'teams-requested.json',
      'webhook-requested.json',
    ]);
    const jira = JSON.parse(readFileSync(join(specs, 'jira-requested.request.json'), 'utf8')) as {
      headers: { authorization: string };
      body: { fields: { project: { key: string }; issuetype: { name: string } } };
    };
    assert.match(jira.headers.authorization, /\$\{JIRA_TOKEN\}/);
    assert.equal(jira.body.fields.project.key, 'OPS');
    assert.equal(jira.body.fields.issuetype.name, 'Task');
    // local, straight on the store, gives the same file names
    const local = join(dir, 'local');
    const l = await runCli(
      [
        'approval',
        'export-notifications',
        id,
        '--output',
        local,
        '--config',
        '.countersign/countersign.yaml',
      ],
      { cwd: dir },
    );
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(readdirSync(local).sort(), readdirSync(out).sort());
  });

  test('approval wait exits 0 when approved, 1 when denied and 6 when still pending at the timeout', async () => {
    const pending = await create('img:2');
    const timedOut = await cli('ci', ['approval', 'wait', pending, '--timeout', '1s']);
    assert.equal(timedOut.code, 6, timedOut.stderr);
    assert.match(timedOut.stdout, /pending/);

    const waiting = cli('ci', ['approval', 'wait', pending, '--timeout', '30s', '--json'], 40_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await cli('alice', ['approval', 'approve', pending, '--reason', 'ok'])).code, 0);
    assert.equal((await cli('bob', ['approval', 'approve', pending, '--reason', 'ok'])).code, 0);
    const approved = await waiting;
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(JSON.parse(approved.stdout).state, 'approved');

    const denied = await create('img:3');
    const waitDeny = cli('ci', ['approval', 'wait', denied, '--timeout', '30s'], 40_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await cli('alice', ['approval', 'deny', denied, '--reason', 'no'])).code, 0);
    const d = await waitDeny;
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stdout, /denied/);
  });

  test('local mode (--config, the server app in this process): wait sees a decision made by the server; deliver answers', async () => {
    const local = (args: string[], timeoutMs?: number) =>
      runCli([...args, '--config', '.countersign/countersign.yaml'], {
        cwd: dir,
        ...(timeoutMs ? { timeoutMs } : {}),
      });
    const pending = await create('img:5');
    const waiting = local(['approval', 'wait', pending, '--timeout', '30s', '--json'], 40_000);
    // decided by the server, in another process than the waiting CLI
    assert.equal((await cli('alice', ['approval', 'approve', pending, '--reason', 'ok'])).code, 0);
    assert.equal((await cli('bob', ['approval', 'approve', pending, '--reason', 'ok'])).code, 0);
    const approved = await waiting;
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(JSON.parse(approved.stdout).state, 'approved');

    const delivered = await local(['approval', 'deliver', pending, '--json']);
    assert.equal(delivered.code, 0, delivered.stderr);
    assert.deepEqual(JSON.parse(delivered.stdout).deliveries, []);
    const unknown = await local(['approval', 'wait', 'apr_doesnotexist', '--timeout', '1s']);
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(unknown.stderr, /not_found/);
  });

  test('approval deliver with no provider configured says so; an unknown provider is a usage error', async () => {
    const id = await create('img:4');
    const r = await cli('admin', ['approval', 'deliver', id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).deliveries, []);
    const bad = await cli('admin', ['approval', 'deliver', id, '--provider', 'pager']);
    assert.equal(bad.code, 2);
  });
});
