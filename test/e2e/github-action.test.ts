/**
 * The GitHub Action, run the way the Actions runner runs it: `node dist-action/index.js` (the
 * committed bundle, no node_modules needed), inputs as `INPUT_*` variables (upper-cased names,
 * hyphens kept), outputs read back from the GITHUB_OUTPUT file, against a real server.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoPath } from '../helpers/paths.js';
import { startPolicyServer, type PolicyServer } from '../helpers/policy-server.js';

const POLICY = `
version: 1
environments:
  dev:
    posture: dev
    sideEffects: allow
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers] }
  locked:
    posture: prod
    sideEffects: deny
defaults:
  requestTtl: 1h
`;

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIM` … `DELIM`, or `name=value`). */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] as string);
      assert.equal(lines[i], delim, `output ${name} is closed by its delimiter`);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

describe('GitHub Action: dist-action/index.js as the runner runs it', () => {
  let cs: PolicyServer;
  let dir: string;
  let pipeline: string;
  let reviewer: string;
  let n = 0;

  /**
   * Runs the action with the given inputs; `onLine` sees stdout lines as they come (to act when
   * the action says it is waiting).
   */
  function runAction(inputs: Record<string, string>, onLine?: (line: string) => void) {
    const outputFile = join(dir, `output-${++n}`);
    writeFileSync(outputFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      GITHUB_OUTPUT: outputFile,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '4242',
      GITHUB_WORKFLOW: 'release',
      GITHUB_JOB: 'deploy',
      INPUT_URL: cs.url,
      'INPUT_API-KEY': pipeline,
      INPUT_TIMEOUT: '30m',
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    const child = spawn(process.execPath, [repoPath('dist-action', 'index.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      let idx: number;
      while ((idx = pending.indexOf('\n')) >= 0) {
        onLine?.(pending.slice(0, idx));
        pending = pending.slice(idx + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    return new Promise<Run>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the action did not finish:\n${stdout}`));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({
          code: code ?? -1,
          stdout,
          outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        });
      });
    });
  }

  /** Acts on the request once the action announces it is waiting. */
  const whenWaiting = (act: (id: string) => void) => (line: string) => {
    const m = /^::notice title=Countersign::waiting for approval (\S+):/.exec(line);
    if (m) act(m[1] as string);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-action-'));
    cs = await startPolicyServer({ policy: POLICY });
    pipeline = await cs.addKey('pipeline', ['approvals:request', 'gate:check']);
    reviewer = await cs.addKey('alice', ['approvals:review'], ['release-managers']);
  });
  after(async () => {
    await cs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the committed bundle is exactly a fresh build of the sources', () => {
    const r = spawnSync(process.execPath, [repoPath('scripts', 'build-action.js'), '--check'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  });

  test('approved: outputs the approval id and the masked credential, which passes the gate', async () => {
    const spec = JSON.stringify({ image: 'shop:1.4.2' });
    let decided: Promise<unknown> = Promise.resolve();
    const run = await runAction(
      { environment: 'prod', project: 'shop', spec, target: 'k8s/prod/shop' },
      whenWaiting((id) => {
        decided = cs.api(reviewer, 'POST', `/v1/approvals/${id}/approve`, { reason: 'ship it' });
      }),
    );
    await decided;
    assert.equal(run.code, 0, run.stdout);
    const { credential, 'approval-id': id, outcome } = run.outputs;
    assert.equal(outcome, 'approved');
    assert.match(id ?? '', /^apr_/);
    assert.match(credential ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    // masked before it could appear anywhere else; the key is masked too and never printed
    const maskAt = run.stdout.indexOf(`::add-mask::${credential}`);
    assert.ok(maskAt >= 0, 'the credential is masked');
    assert.equal(run.stdout.indexOf(credential as string), maskAt + '::add-mask::'.length);
    assert.equal(run.stdout.split(pipeline).length, 2, 'the API key appears only in add-mask');
    const approval = await cs.api<{ action: Record<string, unknown> }>(
      reviewer,
      'GET',
      `/v1/approvals/${id}`,
    );
    assert.equal(approval.body.action.repository, 'acme/shop');
    assert.equal(approval.body.action.runId, '4242');
    assert.equal(approval.body.action.workflow, 'release');
    const gate = await cs.api<{ approvalId: string }>(pipeline, 'POST', '/v1/gate', {
      action: {
        kind: 'deploy',
        environment: 'prod',
        project: 'shop',
        spec: JSON.parse(spec),
        target: 'k8s/prod/shop',
        // the Action filled it in from GITHUB_REPOSITORY, and the credential binds it
        repository: 'acme/shop',
      },
      credential,
    });
    assert.equal(gate.status, 200);
    assert.equal(gate.body.approvalId, id);
  });

  test('the action file gives the action; inputs override its fields', async () => {
    writeFileSync(
      join(dir, 'deploy.json'),
      JSON.stringify({
        action: { kind: 'deploy', environment: 'prod', project: 'shop', spec: { image: 'shop:9' } },
      }),
    );
    let decided: Promise<unknown> = Promise.resolve();
    const run = await runAction(
      { 'action-file': 'deploy.json', project: 'shop-eu' },
      whenWaiting((id) => {
        decided = cs.api(reviewer, 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' });
      }),
    );
    await decided;
    assert.equal(run.code, 0, run.stdout);
    const approval = await cs.api<{ action: { project: string; spec: unknown } }>(
      reviewer,
      'GET',
      `/v1/approvals/${run.outputs['approval-id']}`,
    );
    assert.equal(approval.body.action.project, 'shop-eu');
    assert.deepEqual(approval.body.action.spec, { image: 'shop:9' });
  });

  test('policy allows without approval: success, outcome allow, no credential', async () => {
    const run = await runAction({
      environment: 'dev',
      project: 'shop',
      spec: '{"image":"shop:1"}',
    });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.outputs.outcome, 'allow');
    assert.equal(run.outputs.credential, '');
  });

  test('a reviewer denies: the job fails with `denied`', async () => {
    const run = await runAction(
      { environment: 'prod', project: 'shop', spec: '{"image":"shop:2"}' },
      whenWaiting((id) => {
        void cs.api(reviewer, 'POST', `/v1/approvals/${id}/deny`, { reason: 'freeze week' });
      }),
    );
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^::error title=Countersign::denied: approval apr_\S+ was denied: freeze week$/m,
    );
    assert.equal(run.outputs.credential, undefined);
  });

  test('policy denies: the job fails with `policy_denied` and the policy reason code', async () => {
    const run = await runAction({ environment: 'locked', project: 'shop', spec: '{"image":"x"}' });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^::error title=Countersign::policy_denied: .*action_denied_by_posture/m,
    );
  });

  test('the wait times out: the job fails with `timeout`', async () => {
    const run = await runAction({
      environment: 'prod',
      project: 'shop',
      spec: '{"image":"shop:3"}',
      timeout: '1s',
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^::error title=Countersign::timeout: approval apr_\S+ is still pending/m,
    );
  });

  test('the request expires while it waits: the job fails with `expired`', async () => {
    const run = await runAction({
      environment: 'prod',
      project: 'shop',
      spec: '{"image":"shop:4"}',
      ttl: '1s',
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error title=Countersign::expired: approval apr_\S+ was expired/m);
  });

  test('missing inputs fail with validation_failed before any request', async () => {
    const run = await runAction({ project: 'shop', spec: '{}' });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^::error title=Countersign::validation_failed: the environment input is required$/m,
    );
  });
});
