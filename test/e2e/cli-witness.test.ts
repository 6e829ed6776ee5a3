import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCosignerKey, parseVerifierKey } from '../../src/audit/index.js';
import { runCli, startCliServer } from '../helpers/cli.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

/**
 * The witness as another team runs it (`countersign witness keygen` and `witness serve`, a real
 * process), the log submitting to it, and `evidence verify` requiring its cosignature and
 * remembering the checkpoint.
 */
describe('countersign witness and evidence verify with witnesses and pins', () => {
  let work: string;
  let h: Harness;
  let witnessKey: string;
  let stopWitness: () => Promise<void>;
  let bundleFile: string;
  let jwksFile: string;
  const cwd = () => ({ cwd: work });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'countersign-cli-witness-'));
    const keygen = await runCli(
      ['witness', 'keygen', '--name', 'witness.test/cli', '--key', join(work, 'w.key')],
      cwd(),
    );
    assert.equal(keygen.code, 0, keygen.stderr);
    witnessKey = keygen.stdout.trim();
    const port = await freePort();
    h = await createHarness({
      witnessing: {
        witnesses: [
          {
            name: 'witness.test/cli',
            url: `http://127.0.0.1:${port}`,
            key: parseCosignerKey(witnessKey),
          },
        ],
        minCosignatures: 1,
      },
    });
    const config = join(work, 'countersign.yaml');
    writeFileSync(
      join(work, 'policy.yaml'),
      'version: 1\nenvironments:\n  dev: { posture: dev, sideEffects: allow }\n',
    );
    writeFileSync(
      config,
      `store:\n  url: sqlite:${join(work, 'other.db')}\nsigning:\n  keysDir: ${join(h.dir, 'keys')}\naudit:\n  origin: countersign.test/audit\npolicy:\n  file: ${join(work, 'policy.yaml')}\n`,
    );
    const vk = await runCli(['audit', 'verifier-key', '--config', config], cwd());
    assert.equal(vk.code, 0, vk.stderr);
    const logKey = vk.stdout.trim().split('\n')[0] as string;
    assert.equal(parseVerifierKey(logKey).name, 'countersign.test/audit');
    const server = await startCliServer(
      [
        'witness',
        'serve',
        '--key',
        join(work, 'w.key'),
        '--state',
        join(work, 'w.db'),
        '--listen',
        `127.0.0.1:${port}`,
        '--log-key',
        logKey,
      ],
      cwd(),
    );
    stopWitness = server.stop;
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:cli-witness') },
    });
    assert.equal(r.statusCode, 201, r.body);
    await h.services.audit.checkpoint();
    const b = await h.app.inject({
      method: 'GET',
      url: `/v1/evidence/${r.json().id}`,
      headers: h.auth('admin'),
    });
    assert.equal(b.statusCode, 200, b.body);
    bundleFile = join(work, 'bundle.json');
    writeFileSync(bundleFile, b.body);
    jwksFile = join(work, 'jwks.json');
    writeFileSync(
      jwksFile,
      (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).body,
    );
  });
  after(async () => {
    await stopWitness?.();
    await h?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('keygen writes a 0600 key file once', async () => {
    assert.equal(statSync(join(work, 'w.key')).mode & 0o777, 0o600);
    assert.match(
      readFileSync(join(work, 'w.key'), 'utf8'),
      /^PRIVATE\+KEY\+witness\.test\/cli\+[0-9a-f]{8}\+/,
    );
    const again = await runCli(
      ['witness', 'keygen', '--name', 'x', '--key', join(work, 'w.key')],
      cwd(),
    );
    assert.equal(again.code, 2);
  });

  test('the bundle carries the cosignature; evidence verify requires it and remembers the checkpoint', async () => {
    const state = join(work, 'state.checkpoint');
    const ok = await runCli(
      [
        'evidence',
        'verify',
        bundleFile,
        '--jwks',
        jwksFile,
        '--witness-key',
        witnessKey,
        '--state-file',
        state,
      ],
      cwd(),
    );
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /pinned +consistent with no pinned checkpoint yet; remembered size/);
    assert.match(readFileSync(state, 'utf8'), /\u2014 witness\.test\/cli /);
    // a second run is consistent with what the first remembered
    const again = await runCli(
      ['evidence', 'verify', bundleFile, '--jwks', jwksFile, '--state-file', state],
      cwd(),
    );
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /consistent with state size/);
    const other = await runCli(
      ['witness', 'keygen', '--name', 'witness.test/other', '--key', join(work, 'o.key')],
      cwd(),
    );
    const strict = await runCli(
      [
        'evidence',
        'verify',
        bundleFile,
        '--jwks',
        jwksFile,
        '--witness-key',
        other.stdout.trim(),
        '--json',
      ],
      cwd(),
    );
    assert.equal(strict.code, 1);
    assert.deepEqual(
      (JSON.parse(strict.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code),
      ['checkpoint_unwitnessed'],
    );
  });

  test('a pin of another size needs a consistency proof from the log (--url)', async () => {
    await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:cli-witness-2') },
    });
    const later = await h.services.audit.checkpoint();
    assert.ok(later);
    const pin = join(work, 'later.checkpoint');
    writeFileSync(pin, later.note);
    const offline = await runCli(
      ['evidence', 'verify', bundleFile, '--jwks', jwksFile, '--trusted-checkpoint', pin],
      cwd(),
    );
    assert.equal(offline.code, 2, offline.stdout + offline.stderr);
    assert.match(offline.stderr, /--url/);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const online = await runCli(
      [
        'evidence',
        'verify',
        bundleFile,
        '--jwks',
        jwksFile,
        '--trusted-checkpoint',
        pin,
        '--url',
        url,
        '--token',
        h.keys.admin?.key as string,
      ],
      cwd(),
    );
    assert.equal(online.code, 0, online.stdout + online.stderr);
    assert.match(online.stdout, /consistent with trusted checkpoint size/);
  });
});
