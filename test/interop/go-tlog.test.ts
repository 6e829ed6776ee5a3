import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatVerifierKey } from '../../src/audit/index.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { randomIds } from '../../src/lib/ids.js';
import { auditEvent } from '../../src/services/audit-events.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { repoPath } from '../helpers/paths.js';
import { harnessLogKeys, startTestWitness, type TestWitness } from '../helpers/witness.js';

/**
 * Interop with an implementation this project did not write: Go's golang.org/x/mod/sumdb/tlog
 * and sumdb/note (Debian golang-golang-x-mod-dev) read a running server's tiles and check the
 * checkpoint, tree hash, every entry, inclusion and consistency proofs and the witness
 * cosignature (test/interop/go/main.go). Skips, saying why, where Go or x/mod is missing.
 */
const X_MOD_GOPATH = '/usr/share/gocode';
const SOURCE = repoPath('test/interop/go');

function goEnvironment(cache: string): NodeJS.ProcessEnv {
  const gopath = [X_MOD_GOPATH, process.env.GOPATH].filter(Boolean).join(delimiter);
  // GOPATH mode: x/mod comes from the Debian package, nothing is downloaded
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOCACHE: process.env.GOCACHE ?? cache,
    GOFLAGS: '',
  };
}

function whyNot(): string | undefined {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) return 'go is not installed (apt-get install golang-go)';
  if (!existsSync(join(X_MOD_GOPATH, 'src/golang.org/x/mod/sumdb/tlog/tile.go'))) {
    return `golang.org/x/mod is not in ${X_MOD_GOPATH} (apt-get install golang-golang-x-mod-dev)`;
  }
  return undefined;
}

const reason = whyNot();
if (reason) console.log(`# skipping the Go interop tests: ${reason}`);

describe('Go x/mod sumdb/tlog and sumdb/note verify the log', { skip: reason }, () => {
  let h: Harness;
  let w: TestWitness;
  let work: string;
  let binary: string;
  let base: string;
  let token: string;
  let logKey: string;
  let firstCheckpoint: number;

  async function append(n: number) {
    await h.store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await tx.appendAudit(
          auditEvent({ clock: h.clock, ids: randomIds }, 'policy.loaded', SYSTEM_PRINCIPAL, {
            outcome: 'loaded',
            details: { n: i, text: 'é ✓ "quoted"' },
          }),
        );
      }
    });
  }

  /** Runs the Go checker without blocking the event loop: the server answers it in-process. */
  const exec = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(binary, args, { timeout: 120_000 }, (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ status: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
      });
    });
  const run = (...args: string[]) =>
    exec(['-url', base, '-token', token, '-log-key', logKey, ...args]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'countersign-go-'));
    binary = join(work, 'tlogcheck');
    const built = spawnSync('go', ['build', '-o', binary, '.'], {
      cwd: SOURCE,
      env: goEnvironment(join(work, 'gocache')),
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(built.status, 0, `go build failed: ${built.stderr}`);
    w = await startTestWitness(work, 'witness.test/w1');
    h = await createHarness({ witnessing: { witnesses: [w.endpoint], minCosignatures: 1 } });
    w.logs.push(...harnessLogKeys(h.keyRing));
    await append(37);
    firstCheckpoint = (await h.services.audit.checkpoint())?.size as number;
    await h.services.witnesses.witnessLatest();
    await append(560);
    await h.services.audit.checkpoint();
    const outcomes = await h.services.witnesses.witnessLatest();
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes),
    );
    token = (await h.addKey('auditor', ['audit:read'])).key;
    const [key] = harnessLogKeys(h.keyRing);
    logKey = formatVerifierKey(key?.name as string, key?.publicKey as Uint8Array);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v1/audit`;
  });
  after(async () => {
    await h?.close();
    await w?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('tiles, entries, proofs, the checkpoint and the cosignature all verify in Go', async () => {
    const r = await run(
      '-witness-key',
      w.key.verifierKey,
      '-old',
      '1',
      '-old',
      String(firstCheckpoint),
      '-old',
      '256',
      '-old',
      '513',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    const size = headSize(h);
    assert.equal(out.origin, 'countersign.test/audit');
    assert.equal(out.signedBy, 'countersign.test/audit');
    assert.equal(out.entries, out.size);
    assert.ok((out.size as number) >= 597 && (out.size as number) <= size);
    assert.equal(out.servedInclusion, 3);
    assert.equal(out.consistencyChecks, 4);
    assert.deepEqual(out.cosignedBy, ['witness.test/w1']);
  });

  test('Go rejects a checkpoint under a key that did not sign it, and a missing cosignature', async () => {
    const other = await startTestWitness(work, 'witness.test/other');
    await other.close();
    const wrongLog = formatVerifierKey('countersign.test/audit', other.key.signer.publicKey);
    const bad = await exec(['-url', base, '-token', token, '-log-key', wrongLog]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /note.Open/);
    const unwitnessed = await run('-witness-key', other.key.verifierKey);
    assert.equal(unwitnessed.status, 1);
    assert.match(unwitnessed.stderr, /no cosignature by witness\.test\/other/);
  });
});

function headSize(h: Harness): number {
  return (
    h.store.database.prepare('SELECT size FROM audit_head WHERE id = 1').get() as { size: number }
  ).size;
}
