import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, startCliServer } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));
const ACTION = 'examples/deploy-prod.json';

describe('CLI: versions list/register, approval eligible, gate check --approval', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  let admin: string;
  const keys: Record<string, string> = {};
  const env = (token: string) => ({ COUNTERSIGN_URL: server.url, COUNTERSIGN_TOKEN: token });
  const cli = (args: string[], token = admin) => runCli(args, { cwd: dir, env: env(token) });
  const local = (args: string[]) =>
    runCli([...args, '--config', '.countersign/countersign.yaml'], { cwd: dir });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cli-versions-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    admin = JSON.parse(init.stdout).adminToken;
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
    const key = async (name: string, scopes: string, groups?: string) => {
      const r = await cli([
        'apikey',
        'create',
        '--name',
        name,
        '--scopes',
        scopes,
        ...(groups ? ['--groups', groups] : []),
      ]);
      assert.equal(r.code, 0, r.stderr);
      keys[name] = r.stdout.trim();
    };
    await key('pipeline', 'approvals:request,gate:check');
    await key('builder', 'versions:write');
    await key('runner', 'gate:check');
    await key('alice', 'approvals:review', 'release-managers');
    await key('bob', 'approvals:review', 'sre');
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('versions register (versions:write) and versions list, remote and local', async () => {
    const none = await cli(['versions', 'list', '--project', 'checkout'], keys.pipeline);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /no registered versions of checkout/);

    const evaluated = await cli(['evaluate', ACTION, '--json'], keys.pipeline);
    const specHash = JSON.parse(evaluated.stdout).action.specHash as string;
    const refused = await cli(
      [
        'versions',
        'register',
        '--project',
        'checkout',
        '--version',
        '1.4.2',
        '--spec-hash',
        specHash,
      ],
      keys.pipeline,
    );
    assert.equal(refused.code, 4, 'forbidden without admin or versions:write');
    assert.match(refused.stderr, /forbidden/);
    const reg = await cli(
      [
        'versions',
        'register',
        '--project',
        'checkout',
        '--version',
        '1.4.2',
        '--spec-hash',
        specHash,
      ],
      keys.builder,
    );
    assert.equal(reg.code, 0, reg.stderr);

    const table = await cli(['versions', 'list', '--project', 'checkout'], keys.pipeline);
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n');
    assert.match(header ?? '', /^VERSION\s+SPEC HASH\s+REGISTERED AT\s+REGISTERED BY$/);
    assert.match(row ?? '', new RegExp(`^1\\.4\\.2\\s+${specHash}\\s+\\S+\\s+apikey:`));

    const remote = JSON.parse(
      (await cli(['versions', 'list', '--project', 'checkout', '--json'], keys.pipeline)).stdout,
    );
    const offline = await local(['versions', 'list', '--project', 'checkout', '--json']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(JSON.parse(offline.stdout), remote);
    assert.equal(remote.items[0].version, '1.4.2');
    assert.equal(remote.items[0].specHash, specHash);
  });

  test('approval eligible lists usable approvals; gate check --approval presents one', async () => {
    const before = await cli(['approval', 'eligible', ACTION], keys.pipeline);
    assert.equal(before.code, 3, 'none usable yet');
    assert.match(before.stderr, /no usable approval for sha256:[0-9a-f]{64}/);

    const created = await cli(['approval', 'create', ACTION, '--json'], keys.pipeline);
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).approval.id as string;
    for (const who of ['alice', 'bob']) {
      const r = await cli(['approval', 'approve', id, '--reason', 'ok'], keys[who]);
      assert.equal(r.code, 0, r.stderr);
    }
    const shown = await cli(['approval', 'show', id], keys.alice);
    assert.match(shown.stdout, /version:\s+1\.4\.2 \(registered by apikey:/);

    const listed = await cli(['approval', 'eligible', ACTION], keys.pipeline);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+STATE\s+ACTION\s+WHERE/m);
    assert.match(listed.stdout, new RegExp(`^${id}\\s+approved`, 'm'));
    const json = await cli(['approval', 'eligible', ACTION, '--json'], keys.pipeline);
    assert.deepEqual(
      JSON.parse(json.stdout).items.map((a: { id: string }) => a.id),
      [id],
    );
    const offline = await local(['approval', 'eligible', ACTION, '--json']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).items[0].id, id);

    const again = await cli(['approval', 'create', ACTION], keys.pipeline);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`already approved, credential usable: ${id}`));

    // only the requester (or an admin) may fetch the credential to present
    const stranger = await cli(['gate', 'check', ACTION, '--approval', id], keys.runner);
    assert.equal(stranger.code, 4, stranger.stderr);
    assert.match(stranger.stderr, /forbidden/);

    const pass = await cli(['gate', 'check', ACTION, '--approval', id], keys.pipeline);
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, new RegExp(`^allowed: approval ${id} covers this action`));
    const used = await cli(['approval', 'eligible', ACTION, '--json'], keys.pipeline);
    assert.equal(used.code, 3, 'the single-use credential is consumed');
    assert.deepEqual(JSON.parse(used.stdout).items, []);
    const both = await cli(
      ['gate', 'check', ACTION, '--approval', id, '--credential', 'x.y.z'],
      keys.pipeline,
    );
    assert.equal(both.code, 2);
  });
});
