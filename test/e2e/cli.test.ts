import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, startCliServer } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('the CLI against a real server, and straight on the store', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  let adminToken: string;
  const env = (token: string) => ({ COUNTERSIGN_URL: server.url, COUNTERSIGN_TOKEN: token });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    adminToken = JSON.parse(init.stdout).adminToken;
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('init keeps secrets private: the admin token file and keys are 0600', () => {
    assert.equal(statSync(join(dir, '.countersign/admin-token')).mode & 0o777, 0o600);
    assert.match(adminToken, /^cs_[a-z0-9]{12}_/);
  });

  test('a second init refuses to overwrite (exit 2)', async () => {
    const again = await runCli(['init'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already initialised/);
  });

  test('the README walk-through: request, two reviewers from different groups, credential', async () => {
    const key = async (name: string, scopes: string, groups?: string) => {
      const r = await runCli(
        [
          'apikey',
          'create',
          '--name',
          name,
          '--scopes',
          scopes,
          ...(groups ? ['--groups', groups] : []),
        ],
        { cwd: dir, env: env(adminToken) },
      );
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    const requester = await key('ci-pipeline', 'approvals:request,gate:check');
    const alice = await key('alice', 'approvals:review', 'release-managers');
    const bob = await key('bob', 'approvals:review', 'sre');

    const created = await runCli(['approval', 'create', 'examples/deploy-prod.json', '--json'], {
      cwd: dir,
      env: env(requester),
    });
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).approval.id as string;

    const self = await runCli(['approval', 'approve', id, '--reason', 'mine'], {
      cwd: dir,
      env: env(requester),
    });
    assert.equal(self.code, 4, 'a 403 is exit 4');
    assert.match(self.stderr, /forbidden|self_approval/);

    const a1 = await runCli(['approval', 'approve', id, '--reason', 'diff reviewed'], {
      cwd: dir,
      env: env(alice),
    });
    assert.equal(a1.code, 0, a1.stderr);
    assert.match(a1.stdout, /PENDING/);
    const twice = await runCli(['approval', 'approve', id, '--reason', 'again'], {
      cwd: dir,
      env: env(alice),
    });
    assert.equal(twice.code, 3, 'a 409 is exit 3');
    assert.match(twice.stderr, /already_reviewed/);

    const early = await runCli(['approval', 'credential', id], { cwd: dir, env: env(requester) });
    assert.equal(early.code, 3);
    assert.match(early.stderr, /credential_not_ready/);

    const a2 = await runCli(
      ['approval', 'approve', id, '--reason', 'on call ok', '--external-ref', 'CHG-1'],
      {
        cwd: dir,
        env: env(bob),
      },
    );
    assert.equal(a2.code, 0, a2.stderr);
    assert.match(a2.stdout, /APPROVED/);

    const cred = await runCli(['approval', 'credential', id], { cwd: dir, env: env(requester) });
    assert.equal(cred.code, 0, cred.stderr);
    const parts = cred.stdout.trim().split('.');
    assert.equal(parts.length, 3, 'a compact JWS');
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString());
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, 'countersign-approval+jwt');

    const list = await runCli(['approval', 'list', '--state', 'approved', '--json'], {
      cwd: dir,
      env: env(alice),
    });
    assert.equal(list.code, 0);
    assert.ok(JSON.parse(list.stdout).items.some((a: { id: string }) => a.id === id));

    // the next release: `approval show` prints the spec and what changed since this approval
    const next = JSON.parse(readFileSync(join(dir, 'examples/deploy-prod.json'), 'utf8')) as {
      spec: Record<string, unknown>;
    };
    next.spec = { ...next.spec, image: 'registry.example/checkout:1.4.3', replicas: 8 };
    writeFileSync(join(dir, 'next.json'), JSON.stringify(next));
    const second = await runCli(['approval', 'create', 'next.json', '--json'], {
      cwd: dir,
      env: env(requester),
    });
    assert.equal(second.code, 0, second.stderr);
    const nextId = JSON.parse(second.stdout).approval.id as string;
    const shown = await runCli(['approval', 'show', nextId], { cwd: dir, env: env(alice) });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^spec:\n {2}pipeline: checkout-web\n {2}image: registry\.example\/checkout:1\.4\.3\n {2}replicas: 8$/m,
    );
    assert.match(shown.stdout, new RegExp(`changes: +since ${id} \\(approved [^)]+\\): 2`));
    assert.match(
      shown.stdout,
      /^ {2}image registry\.example\/checkout:1\.4\.2 → registry\.example\/checkout:1\.4\.3$/m,
    );
    assert.match(shown.stdout, /^ {2}replicas 6 → 8$/m);
    const asJson = await runCli(['approval', 'show', nextId, '--json'], {
      cwd: dir,
      env: env(alice),
    });
    assert.equal(JSON.parse(asJson.stdout).previous.id, id);
  });

  test('usage and input errors exit 2; unknown ids exit 3; a wrong key exits 4', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"kind": ');
    const bad = await runCli(['approval', 'create', 'broken.json'], {
      cwd: dir,
      env: env(adminToken),
    });
    assert.equal(bad.code, 2);
    const missing = await runCli(['approval', 'show', 'apr_nope'], {
      cwd: dir,
      env: env(adminToken),
    });
    assert.equal(missing.code, 3);
    const wrong = await runCli(['approval', 'list'], {
      cwd: dir,
      env: env('cs_aaaaaaaaaaaa_' + 'b'.repeat(43)),
    });
    assert.equal(wrong.code, 4);
    const unknownCmd = await runCli(['approval', 'frobnicate'], { cwd: dir });
    assert.equal(unknownCmd.code, 2);
  });

  test('local mode (--db) works on the store with no server and sees the same requests', async () => {
    const list = await runCli(
      ['approval', 'list', '--json', '--config', '.countersign/countersign.yaml'],
      {
        cwd: dir,
      },
    );
    assert.equal(list.code, 0, list.stderr);
    assert.ok(JSON.parse(list.stdout).items.length >= 1);
    const local = await runCli(
      [
        'approval',
        'create',
        'examples/agent-iam-write.json',
        '--json',
        '--db',
        '.countersign/countersign.db',
        '--config',
        '.countersign/countersign.yaml',
      ],
      { cwd: dir },
    );
    assert.equal(local.code, 0, local.stderr);
    const approval = JSON.parse(local.stdout).approval;
    assert.deepEqual(approval.approverGroups, ['IAM']);
    assert.match(approval.requestedBy.id, /^local:/);
  });
});
