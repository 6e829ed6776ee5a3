import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('configuration errors stop the server; routing files route', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-config-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    assert.equal((await runCli(['init'], { cwd: dir })).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a config with several errors refuses to start and lists every error with its path (exit 2)', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'server:',
        '  listen: 0.0.0.0:8080',
        '  devMode: true',
        '  colour: blue',
        'signing:',
        '  clockSkew: soon',
        'store:',
        '  url: mysql://x',
      ].join('\n'),
    );
    const r = await runCli(['serve', '--config', 'bad.yaml'], { cwd: dir, timeoutMs: 15_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    for (const path of ['server.colour', 'signing.clockSkew', 'store.url']) {
      assert.match(r.stderr, new RegExp(path.replace('.', '\\.')), `names ${path}`);
    }
    assert.match(r.stderr, /devMode/, 'devMode on a non-loopback address is refused');
    assert.doesNotMatch(r.stdout, /listening/);
  });

  test('an invalid policy refuses to load, listing each error', async () => {
    writeFileSync(
      join(dir, 'bad-policy.yaml'),
      'version: 1\nenvironments:\n  prod:\n    posture: production\n    sideEffects: maybe\n',
    );
    writeFileSync(
      join(dir, 'cfg.yaml'),
      'policy:\n  file: bad-policy.yaml\nsigning:\n  keysDir: .countersign/keys\nstore:\n  url: sqlite:x.db\n',
    );
    const r = await runCli(['evaluate', 'examples/deploy-prod.json', '--config', 'cfg.yaml'], {
      cwd: dir,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environments\.prod\.posture/);
    assert.match(r.stderr, /environments\.prod\.sideEffects/);
  });

  test('approval route applies a repository routing file instead of the policy routing', async () => {
    writeFileSync(
      join(dir, 'routing.yaml'),
      'routing:\n  - id: iam-owners\n    match: { kind: write_file, targetGlob: "iam/**" }\n    approverGroup: Payments Owners\n',
    );
    const plain = await runCli(
      [
        'approval',
        'route',
        'examples/agent-iam-write.json',
        '--json',
        '--config',
        '.countersign/countersign.yaml',
      ],
      { cwd: dir },
    );
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(JSON.parse(plain.stdout).approverGroups, ['IAM']);
    // a repository's routing file applies only to actions from a repository
    const unrouted = await runCli(
      [
        'approval',
        'route',
        'examples/agent-iam-write.json',
        '--routing-file',
        'routing.yaml',
        '--json',
        '--config',
        '.countersign/countersign.yaml',
      ],
      { cwd: dir },
    );
    assert.equal(unrouted.code, 0, unrouted.stderr);
    assert.deepEqual(JSON.parse(unrouted.stdout).approverGroups, ['IAM']);
    assert.match(unrouted.stderr, /names no repository/);
    const action = JSON.parse(readFileSync(join(dir, 'examples/agent-iam-write.json'), 'utf8'));
    writeFileSync(
      join(dir, 'repo-action.json'),
      JSON.stringify({ ...action, repository: 'payments/api' }),
    );
    const routed = await runCli(
      [
        'approval',
        'route',
        'repo-action.json',
        '--routing-file',
        'routing.yaml',
        '--json',
        '--config',
        '.countersign/countersign.yaml',
      ],
      { cwd: dir },
    );
    assert.equal(routed.code, 0, routed.stderr);
    assert.deepEqual(JSON.parse(routed.stdout).approverGroups, ['Payments Owners']);
  });
});
