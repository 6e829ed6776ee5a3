import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, startCliServer } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('CLI: gate check, offline credential verify, keys and versions', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  let admin: string;
  const env = (token: string) => ({ COUNTERSIGN_URL: server.url, COUNTERSIGN_TOKEN: token });
  const cli = (args: string[], token = admin) => runCli(args, { cwd: dir, env: env(token) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cli-gate-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    admin = JSON.parse(init.stdout).adminToken;
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('approve, fetch the credential, verify it offline and pass the gate exactly once', async () => {
    const key = async (name: string, scopes: string, groups?: string) =>
      (
        await cli([
          'apikey',
          'create',
          '--name',
          name,
          '--scopes',
          scopes,
          ...(groups ? ['--groups', groups] : []),
        ])
      ).stdout.trim();
    const pipeline = await key('pipeline', 'approvals:request,gate:check');
    const alice = await key('alice', 'approvals:review', 'release-managers');
    const bob = await key('bob', 'approvals:review', 'sre');

    const denied = await cli(['gate', 'check', 'examples/deploy-prod.json'], pipeline);
    assert.equal(denied.code, 1, 'no credential: rejected');
    assert.match(denied.stderr, /approval_required/);

    const created = await cli(
      ['approval', 'create', 'examples/deploy-prod.json', '--json'],
      pipeline,
    );
    const id = JSON.parse(created.stdout).approval.id as string;
    assert.equal((await cli(['approval', 'approve', id, '--reason', 'ok'], alice)).code, 0);
    assert.equal((await cli(['approval', 'approve', id, '--reason', 'ok'], bob)).code, 0);
    const cred = await cli(['approval', 'credential', id], pipeline);
    assert.equal(cred.code, 0, cred.stderr);
    writeFileSync(join(dir, 'approval.jwt'), cred.stdout);

    // offline, against the JWKS served by the server, and against a saved file
    const byUrl = await runCli(
      [
        'credential',
        'verify',
        'approval.jwt',
        '--jwks',
        `${server.url}/.well-known/jwks.json`,
        '--action',
        'examples/deploy-prod.json',
      ],
      { cwd: dir },
    );
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.match(byUrl.stdout, new RegExp(`valid: approval ${id}`));
    // the approved rule, risk tags and constraints are printed for the executor to honour
    assert.match(byUrl.stdout, /^rule: environments\.prod\.actions\.deploy; risk tags: .*prod/m);
    assert.match(byUrl.stdout, /^constraints: \{.*\}$/m);
    const jwks = await (await fetch(`${server.url}/.well-known/jwks.json`)).text();
    writeFileSync(join(dir, 'jwks.json'), jwks);
    const other = JSON.parse(
      await (
        await import('node:fs/promises')
      ).readFile(join(dir, 'examples/deploy-prod.json'), 'utf8'),
    );
    other.spec.image = 'registry.example/checkout:evil';
    writeFileSync(join(dir, 'other.json'), JSON.stringify(other));
    const mismatch = await runCli(
      [
        'credential',
        'verify',
        'approval.jwt',
        '--jwks',
        'jwks.json',
        '--action',
        'other.json',
        '--json',
      ],
      { cwd: dir },
    );
    assert.equal(mismatch.code, 1);
    assert.equal(JSON.parse(mismatch.stdout).code, 'spec_hash_mismatch');

    const pass = await cli(
      ['gate', 'check', 'examples/deploy-prod.json', '--credential', 'approval.jwt'],
      pipeline,
    );
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, /^allowed/);
    const again = await cli(
      ['gate', 'check', 'examples/deploy-prod.json', '--credential', 'approval.jwt', '--json'],
      pipeline,
    );
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stdout).code, 'credential_consumed');
  });

  test('keys rotate and revoke change the JWKS of the running server within seconds', async () => {
    const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const rotated = await runCli(['keys', 'rotate', '--json'], { cwd: dir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const kid = JSON.parse(rotated.stdout).kid as string;
    const seen = async (want: boolean) => {
      for (let i = 0; i < 50; i++) {
        const now = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
          keys: { kid: string }[];
        };
        if (now.keys.some((k) => k.kid === kid) === want) return now;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`key ${kid} ${want ? 'never appeared' : 'never left'}`);
    };
    const after = await seen(true);
    assert.equal(after.keys.length, before.keys.length + 1, 'the retired key stays listed');
    const list = await runCli(['keys', 'list'], { cwd: dir });
    assert.match(list.stdout, new RegExp(`${kid}\\s+credential\\s+active`));
    assert.equal((await runCli(['keys', 'revoke', kid], { cwd: dir })).code, 0);
    await seen(false);
    const events = await cli(['approval', 'list', '--json']);
    assert.equal(events.code, 0);
  });

  test('versions register makes a replay spec hash resolvable', async () => {
    const specHash = `sha256:${'ab'.repeat(32)}`;
    const r = await cli([
      'versions',
      'register',
      '--project',
      'checkout',
      '--version',
      '1.4.2',
      '--spec-hash',
      specHash,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).version, '1.4.2');
    writeFileSync(
      join(dir, 'replay.json'),
      JSON.stringify({
        kind: 'replay',
        environment: 'prod',
        project: 'checkout',
        specHash,
        sourceEnvironment: 'prod',
      }),
    );
    const gate = await cli(['gate', 'check', 'replay.json', '--json']);
    assert.equal(gate.code, 1);
    assert.equal(
      JSON.parse(gate.stdout).code,
      'approval_required',
      'resolved: now it needs approval',
    );
  });
});
