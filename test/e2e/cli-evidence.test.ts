import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, startCliServer } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const EXAMPLES = repoPath('examples');

describe('countersign evidence: export, offline verify, tamper, attest, attach-decision', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  let id: string;
  const tokens: Record<string, string> = {};
  const env = (who: string) => ({
    COUNTERSIGN_URL: server.url,
    COUNTERSIGN_TOKEN: tokens[who] as string,
  });
  const cli = (who: string, ...args: string[]) => runCli(args, { cwd: dir, env: env(who) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-evidence-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    tokens.admin = JSON.parse(init.stdout).adminToken as string;
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
    const keys: [string, string, string?][] = [
      ['requester', 'approvals:request,gate:check'],
      ['alice', 'approvals:review', 'release-managers'],
      ['bob', 'approvals:review', 'sre'],
      ['auditor', 'audit:read'],
    ];
    for (const [name, scopes, groups] of keys) {
      const r = await cli(
        'admin',
        ...['apikey', 'create', '--name', name, '--scopes', scopes],
        ...(groups ? ['--groups', groups] : []),
      );
      assert.equal(r.code, 0, r.stderr);
      tokens[name] = r.stdout.trim();
    }
    const created = await cli(
      'requester',
      'approval',
      'create',
      'examples/deploy-prod.json',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    id = JSON.parse(created.stdout).approval.id as string;
    for (const who of ['alice', 'bob']) {
      const r = await cli(who, 'approval', 'approve', id, '--reason', 'reviewed');
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('export, then verify offline against the JWKS file: exit 0 and every check printed', async () => {
    const exported = await cli('auditor', 'evidence', 'export', id);
    assert.equal(exported.code, 0, exported.stderr);
    writeFileSync(join(dir, 'bundle.json'), exported.stdout);
    const jwks = await fetch(`${server.url}/.well-known/jwks.json`);
    writeFileSync(join(dir, 'jwks.json'), await jwks.text());

    // no server URL or token: the verification is offline
    const v = await runCli(['evidence', 'verify', 'bundle.json', '--jwks', 'jwks.json'], {
      cwd: dir,
      env: { COUNTERSIGN_URL: 'http://127.0.0.1:9', COUNTERSIGN_TOKEN: '' },
    });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    for (const check of [
      'structure',
      'checkpoint',
      'inclusion',
      'membership',
      'approval',
      'state',
    ]) {
      assert.match(v.stdout, new RegExp(`✓ ${check}`));
    }
    // the credential is live and the auditor is not its requester: claims and digest only
    assert.match(v.stdout, /- credential +skipped: signature check withheld/);
    assert.match(v.stdout, new RegExp(`verified: ${id} approved`));

    const full = await cli('admin', 'evidence', 'export', id);
    writeFileSync(join(dir, 'bundle-admin.json'), full.stdout);
    const va = await runCli(['evidence', 'verify', 'bundle-admin.json', '--jwks', 'jwks.json'], {
      cwd: dir,
    });
    assert.equal(va.code, 0, va.stdout + va.stderr);
    assert.match(va.stdout, /✓ credential/);

    const byUrl = await runCli(
      [
        'evidence',
        'verify',
        'bundle.json',
        '--jwks',
        `${server.url}/.well-known/jwks.json`,
        '--json',
      ],
      { cwd: dir },
    );
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.equal(JSON.parse(byUrl.stdout).ok, true);
  });

  test('a tampered copy exits 1 and names the problem', async () => {
    const bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'));
    bundle.events[0].event.actor.name = 'someone-else';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(bundle));
    const v = await runCli(['evidence', 'verify', 'tampered.json', '--jwks', 'jwks.json'], {
      cwd: dir,
    });
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, /✗ inclusion/);
    assert.match(v.stderr, /rejected: inclusion_failed: event \d+ does not hash to its leafHash/);

    const missing = await runCli(['evidence', 'verify', 'nope.json', '--jwks', 'jwks.json'], {
      cwd: dir,
    });
    assert.equal(missing.code, 2, 'an unreadable file is a usage error');
  });

  test('attest prints a DSSE envelope of an in-toto Statement whose subject digest is the spec hash', async () => {
    const r = await cli('auditor', 'evidence', 'attest', id);
    assert.equal(r.code, 0, r.stderr);
    const envelope = JSON.parse(r.stdout);
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    const bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'));
    assert.equal(`sha256:${statement.subject[0].digest.sha256}`, bundle.approval.action.specHash);
    assert.equal(envelope.signatures[0].keyid, bundle.credential.kid);

    const forbidden = await cli('requester', 'evidence', 'attest', id);
    assert.equal(forbidden.code, 4, 'no audit:read: exit 4');
  });

  test('evidence verify checks an attestation (DSSE) offline: exit 0 verified, 1 when tampered', async () => {
    const r = await cli('auditor', 'evidence', 'attest', id);
    writeFileSync(join(dir, 'attestation.json'), r.stdout);
    const jwks = `${server.url}/.well-known/jwks.json`;
    const ok = await cli('auditor', 'evidence', 'verify', 'attestation.json', '--jwks', jwks);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^verified attestation: approval ${id} approved`, 'm'));
    assert.match(ok.stdout, /^subject: .* sha256:[0-9a-f]{64}$/m);
    const envelope = JSON.parse(r.stdout);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    statement.predicate.state = 'denied';
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(envelope));
    const bad = await cli('auditor', 'evidence', 'verify', 'tampered.json', '--jwks', jwks);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^rejected: /m);
  });

  test('the checkpoint verifier key is served and listed, and verifies the served checkpoint', async () => {
    const res = await fetch(`${server.url}/v1/audit/checkpoint-key`, {
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      origin: string;
      keys: { kid: string; verifierKey: string }[];
    };
    assert.equal(body.keys.length, 1);
    const { parseVerifierKey, verifyCheckpoint } = await import('../../src/evidence/index.js');
    const key = parseVerifierKey(body.keys[0]!.verifierKey);
    assert.equal(key.name, body.origin);
    const listed = await runCli(['keys', 'list', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^KID\s+PURPOSE\s+STATUS\s+CREATED$/m);
    assert.ok(
      listed.stdout.includes(body.keys[0]!.verifierKey),
      'keys list shows the same verifier key',
    );
    const cp = await fetch(`${server.url}/v1/audit/checkpoint`, {
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    assert.equal(cp.status, 200);
    const note = await cp.text();
    assert.equal(verifyCheckpoint(note, [key], { origin: body.origin }).ok, true);
    const anonymous = await fetch(`${server.url}/v1/audit/checkpoint-key`);
    assert.equal(anonymous.status, 401);
  });

  test('approval attach-decision: same action attaches (exit 0), another action is a conflict (exit 3)', async () => {
    const same = await cli('requester', 'evaluate', 'examples/deploy-prod.json', '--json');
    assert.equal(same.code, 0, same.stderr);
    const decisionId = JSON.parse(same.stdout).decision.decisionId as string;
    const ok = await cli('requester', 'approval', 'attach-decision', id, decisionId, '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).attachedDecisions, [decisionId]);

    const action = JSON.parse(readFileSync(join(dir, 'examples/deploy-prod.json'), 'utf8'));
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ ...action, target: 'k8s/prod-eu/other' }),
    );
    const other = await cli('requester', 'evaluate', 'other.json', '--json');
    const otherId = JSON.parse(other.stdout).decision.decisionId as string;
    const refused = await cli('requester', 'approval', 'attach-decision', id, otherId);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /decision_mismatch/);

    const exported = await cli('auditor', 'evidence', 'export', id);
    writeFileSync(join(dir, 'bundle2.json'), exported.stdout);
    assert.deepEqual(
      JSON.parse(exported.stdout).attachedDecisions.map(
        (d: { decisionId: string }) => d.decisionId,
      ),
      [decisionId],
    );
    const v = await runCli(['evidence', 'verify', 'bundle2.json', '--jwks', 'jwks.json'], {
      cwd: dir,
    });
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
