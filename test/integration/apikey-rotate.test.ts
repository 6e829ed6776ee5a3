import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { initialise } from '../../src/cli/commands/setup.js';
import { rewriteAdminTokenFiles } from '../../src/cli/commands/apikey-rotate.js';
import { loadConfig } from '../../src/config/index.js';
import { apiKeyMatches, parseApiKey } from '../../src/identity/api-keys.js';
import { composeRuntime } from '../../src/runtime.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

interface KeyView {
  id: string;
  name: string;
  scopes: string[];
  groups: string[];
  revokedAt: string | null;
}

describe('API key rotation over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const rotate = (id: string, who = 'admin') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/apikeys/${id}/rotate`,
      headers: h.auth(who),
      payload: {},
    });

  test('rotation is in place: same id, name, scopes and groups; the old secret is 401 at once', async () => {
    const bob = h.keys.bob!;
    const oldId = bob.principal.id.slice('apikey:'.length);
    const res = await rotate(oldId);
    assert.equal(res.statusCode, 201);
    const body = res.json() as { key: string; apiKey: KeyView; revoked: KeyView };
    assert.equal(body.apiKey.id, oldId, 'the key keeps its id');
    assert.equal(parseApiKey(body.key)?.id, oldId);
    assert.notEqual(body.key, bob.key);
    assert.deepEqual(
      { name: body.apiKey.name, scopes: body.apiKey.scopes, groups: body.apiKey.groups },
      { name: 'bob', scopes: ['approvals:review'], groups: ['sre'] },
    );
    assert.equal(body.apiKey.revokedAt, null);
    assert.equal(body.revoked.id, oldId);
    assert.ok(body.revoked.revokedAt, 'the retired secret is reported revoked');

    const withOld = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: h.auth('bob'),
    });
    assert.equal(withOld.statusCode, 401);
    const withNew = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: { authorization: `Bearer ${body.key}` },
    });
    assert.equal(withNew.statusCode, 200);

    const listed = (
      await h.app.inject({ method: 'GET', url: '/v1/apikeys', headers: h.auth('admin') })
    ).json() as {
      items: KeyView[];
    };
    // the whole secret (base64url, so it may itself contain `_`), never a fragment of it
    const secret = parseApiKey(body.key)?.secret;
    assert.ok(secret && secret.length >= 32, body.key);
    assert.ok(!JSON.stringify(listed).includes(secret), 'no secret listed');
    assert.equal(listed.items.filter((k) => k.id === oldId).length, 1, 'no second key');

    const events = await h.store.listAuditEvents({}, { limit: 1000 });
    const rotated = events.items
      .map((e) => e.event)
      .filter((e) => e.details.apiKeyId === oldId && e.details.rotated === true);
    assert.deepEqual(
      rotated.map((e) => e.type),
      ['apikey.revoked', 'apikey.created'],
    );
  });

  test('a rotated key is the same principal: it cannot approve the request it made before (403 self_approval)', async () => {
    const dual = await h.addKey('dual', ['approvals:request', 'approvals:review'], ['sre']);
    const dualId = dual.principal.id.slice('apikey:'.length);
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { authorization: `Bearer ${dual.key}` },
      payload: { action: { ...deployAction('shop:rotated-self'), kind: 'restart' } },
    });
    assert.equal(created.statusCode, 201);
    const approvalId = created.json().id as string;

    const res = await rotate(dualId);
    assert.equal(res.statusCode, 201);
    const fresh = (res.json() as { key: string }).key;

    const self = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${approvalId}/approve`,
      headers: { authorization: `Bearer ${fresh}` },
      payload: { reason: 'mine, after rotation' },
    });
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().code, 'self_approval');
    const old = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${approvalId}/approve`,
      headers: { authorization: `Bearer ${dual.key}` },
      payload: { reason: 'old secret' },
    });
    assert.equal(old.statusCode, 401);
  });

  test('rotating a revoked key is 409 and creates nothing; an unknown key is 404', async () => {
    const k = await h.addKey('short-lived', ['gate:check']);
    const id = k.principal.id.slice('apikey:'.length);
    await h.app.inject({
      method: 'POST',
      url: `/v1/apikeys/${id}/revoke`,
      headers: h.auth('admin'),
      payload: {},
    });
    const before = (await h.store.listApiKeys()).length;
    const again = await rotate(id);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'already_revoked');
    assert.equal((await h.store.listApiKeys()).length, before);
    assert.equal((await rotate('zzzzzzzzzzzz')).statusCode, 404);
  });

  test('only an admin may rotate (403 forbidden), and the key stays valid', async () => {
    const id = h.keys.carol!.principal.id.slice('apikey:'.length);
    const res = await rotate(id, 'carol');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'forbidden');
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/approvals', headers: h.auth('carol') }))
        .statusCode,
      200,
    );
  });
});

describe('countersign apikey rotate (local mode, in process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-rotate-'));
  const initDir = join(dir, '.countersign');
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    // the CLI writes strings; the test runner's own (binary) reports pass through
    process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) =>
      typeof s === 'string'
        ? ((stdout += s), true)
        : out(s, ...rest)) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) =>
      typeof s === 'string'
        ? ((stderr += s), true)
        : err(s, ...rest)) as typeof process.stderr.write;
    const before = process.exitCode;
    process.exitCode = 0;
    try {
      await main(['node', 'countersign', ...args]);
      return { code: Number(process.exitCode ?? 0), stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      process.exitCode = before;
    }
  }

  test('rotating the init admin key prints the new key once and rewrites admin-token (0600)', async () => {
    const init = await initialise(initDir);
    const tokenFile = join(initDir, 'admin-token');
    const oldId = parseApiKey(init.adminToken)?.id as string;
    assert.ok(oldId);

    const r = await cli(['--config', init.configFile, 'apikey', 'rotate', oldId]);
    assert.equal(r.code, 0, r.stderr);
    const newKey = r.stdout.trim();
    assert.ok(parseApiKey(newKey), 'stdout is exactly the new key');
    assert.notEqual(newKey, init.adminToken);
    assert.equal(parseApiKey(newKey)?.id, oldId, 'the admin key keeps its id');
    assert.match(r.stderr, new RegExp(`updated .*admin-token`));
    assert.ok(!r.stderr.includes(newKey), 'the key is printed once, on stdout');

    assert.equal(readFileSync(tokenFile, 'utf8').trim(), newKey);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

    const rt = await composeRuntime(loadConfig({ file: init.configFile, env: {} }));
    try {
      const keys = await rt.store.listApiKeys();
      assert.equal(keys.filter((k) => k.id === oldId).length, 1, 'no second key');
      assert.equal(keys.find((k) => k.id === oldId)?.revokedAt, null);
      const authenticate = async (token: string) =>
        rt.store
          .getApiKey(parseApiKey(token)?.id ?? '')
          .then((r) => r !== null && apiKeyMatches(r, parseApiKey(token)?.secret ?? ''));
      assert.equal(await authenticate(newKey), true, 'the new secret works');
      assert.equal(await authenticate(init.adminToken), false, 'the old secret does not');
    } finally {
      await rt.close();
    }
  });

  test('rotating another key leaves admin-token alone; rotating again works; a revoked key is exit 3', async () => {
    const configFile = join(initDir, 'countersign.yaml');
    const tokenFile = join(initDir, 'admin-token');
    const created = await cli([
      '--config',
      configFile,
      '--json',
      'apikey',
      'create',
      '--name',
      'ci',
      '--scopes',
      'gate:check',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const ciId = (JSON.parse(created.stdout) as { apiKey: { id: string } }).apiKey.id;
    const adminBefore = readFileSync(tokenFile, 'utf8');

    const r = await cli(['--config', configFile, '--json', 'apikey', 'rotate', ciId]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { key: string; tokenFilesUpdated: string[] };
    assert.deepEqual(body.tokenFilesUpdated, []);
    assert.equal(readFileSync(tokenFile, 'utf8'), adminBefore);

    const twice = await cli(['--config', configFile, 'apikey', 'rotate', ciId]);
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(parseApiKey(twice.stdout.trim())?.id, ciId);
    assert.notEqual(twice.stdout.trim(), body.key);

    const revoked = await cli(['--config', configFile, 'apikey', 'revoke', ciId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const thrice = await cli(['--config', configFile, 'apikey', 'rotate', ciId]);
    assert.equal(thrice.code, 3);
    assert.match(thrice.stderr, /already_revoked/);
  });

  test('only a token file holding the rotated key is rewritten', () => {
    const other = join(dir, 'other-token');
    const mine = join(dir, 'mine-token');
    const missing = join(dir, 'missing-token');
    writeFileSync(other, `cs_aaaaaaaaaaaa_${'b'.repeat(43)}\n`, { mode: 0o644 });
    writeFileSync(mine, `cs_cccccccccccc_${'d'.repeat(43)}\n`, { mode: 0o644 });
    const next = `cs_eeeeeeeeeeee_${'f'.repeat(43)}`;
    const done = rewriteAdminTokenFiles([other, mine, missing], 'cccccccccccc', next);
    assert.deepEqual(done, [mine]);
    assert.equal(readFileSync(mine, 'utf8'), `${next}\n`);
    assert.equal(statSync(mine).mode & 0o777, 0o600);
    assert.equal(readFileSync(other, 'utf8'), `cs_aaaaaaaaaaaa_${'b'.repeat(43)}\n`);
  });
});
