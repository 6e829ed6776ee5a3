import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN, runCli, startCliServer } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The shell blocks of a README section, as written. */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(heading);
  assert.ok(start >= 0, `README has "${heading}"`);
  const next = markdown.indexOf('\n## ', start + heading.length);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

describe("the README's five-minute walk-through runs as written", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startCliServer>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-readme-'));
    cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
    assert.equal((await runCli(['init'], { cwd: dir })).code, 0);
    server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
      cwd: dir,
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('request → self-approval refused → two approvals → credential → gate → audit', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = shellBlocks(readme, '## Five minutes');
    assert.ok(blocks.length >= 2);
    // the same commands, pointed at this test's server and this checkout's CLI
    const script = ['set -euo pipefail', ...blocks]
      .join('\n')
      .replaceAll('http://127.0.0.1:8080', server.url)
      .replaceAll('node bin/countersign.js', `node ${BIN}`);
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /outcome:\s+require_approval/);
    assert.match(r.stdout, /refused, as it should be/);
    assert.match(r.stderr, /self_approval/, 'separation of duties, not a missing scope');
    assert.match(r.stdout, /APPROVED/);
    assert.match(r.stdout, /^allowed/m);
    assert.match(r.stdout, /valid: approval apr_/);
    assert.match(r.stdout, /rejected, as it should be/);
    assert.match(r.stderr, /credential_consumed/);
    assert.match(r.stdout, /"type":"gate\.rejected"/);
    assert.match(r.stdout, /BREAK-GLASS/);
    // registered builds and selecting an eligible approval
    assert.match(r.stdout, /^VERSION\s+SPEC HASH/m);
    assert.match(r.stdout, /version:\s+1\.4\.2 \(registered by apikey:/);
    assert.match(r.stdout, /usable approvals for sha256:/);
    assert.match(r.stdout, /^allowed: approval apr_/m);
    assert.match(r.stdout, /none left: it was single-use/);
  });
});
