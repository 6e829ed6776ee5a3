import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

/**
 * Tamper tests on a real SQLite file: build a log through the real services, copy the file, edit
 * it the way an attacker with database access would, and run `countersign audit verify --db`.
 */
describe('countersign audit verify detects tampering and names the first bad index', () => {
  let h: Harness;
  let work: string;
  let pristine: string;
  let configFile: string;

  before(async () => {
    h = await createHarness();
    for (let i = 0; i < 6; i++) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/v1/approvals',
        headers: h.auth('requester'),
        payload: { action: deployAction(`shop:tamper-${i}`) },
      });
      assert.equal(r.statusCode, 201);
      await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${r.json().id}/approve`,
        headers: h.auth('alice'),
        payload: { reason: 'ok' },
      });
      if (i === 2) await h.services.audit.checkpoint();
    }
    await h.services.audit.checkpoint();
    work = mkdtempSync(join(tmpdir(), 'countersign-tamper-'));
    pristine = join(work, 'pristine.db');
    h.store.database.exec(`VACUUM INTO '${pristine}'`);
    // a config naming the harness keys, so checkpoint signatures are checked with the real key
    configFile = join(work, 'countersign.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      configFile,
      [
        'store:',
        `  url: sqlite:${join(work, 'tampered.db')}`,
        'signing:',
        `  keysDir: ${join(h.dir, 'keys')}`,
        'audit:',
        '  origin: countersign.test/audit',
        'policy:',
        `  file: ${join(work, 'policy.yaml')}`,
      ].join('\n'),
    );
    writeFileSync(
      join(work, 'policy.yaml'),
      'version: 1\nenvironments:\n  dev: { posture: dev, sideEffects: allow }\n',
    );
  });
  after(async () => {
    await h.close();
    rmSync(work, { recursive: true, force: true });
  });

  let db: Database.Database;
  beforeEach(() => {
    cpSync(pristine, join(work, 'tampered.db'));
    db = new Database(join(work, 'tampered.db'));
  });

  const verify = async () => {
    db.close();
    const r = await runCli(['audit', 'verify', '--config', configFile, '--json'], { cwd: work });
    return {
      code: r.code,
      result: JSON.parse(r.stdout || '{}') as Record<string, unknown>,
      stderr: r.stderr,
    };
  };

  test('an untouched log verifies (exit 0) with its checkpoints', async () => {
    const { code, result, stderr } = await verify();
    assert.equal(code, 0, stderr);
    assert.equal(result.ok, true);
    assert.ok((result.checkpoints as number) >= 2);
  });

  test('--progress reports on stderr how far verification is; --json output stays the result alone', async () => {
    db.close();
    const r = await runCli(['audit', 'verify', '--config', configFile, '--json', '--progress'], {
      cwd: work,
    });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { ok: boolean; size: number };
    assert.equal(result.ok, true);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('verifying'));
    assert.ok(lines.length > 0, r.stderr);
    assert.equal(lines.at(-1), `verifying 100% (${result.size} of ${result.size} events)`);
  });

  test("editing one event's JSON is detected at that index as changed", async () => {
    const row = db.prepare('SELECT event_json FROM audit_events WHERE idx = 4').get() as {
      event_json: string;
    };
    db.prepare('UPDATE audit_events SET event_json = ? WHERE idx = 4').run(
      row.event_json.replace('"outcome":"', '"outcome":"x'),
    );
    const { code, result } = await verify();
    assert.equal(code, 1);
    assert.equal(result.firstBadIndex, 4);
    assert.equal(result.problem, 'changed');
  });

  test('deleting a row is detected as missing at its index', async () => {
    db.prepare('DELETE FROM audit_events WHERE idx = 3').run();
    const { code, result } = await verify();
    assert.equal(code, 1);
    assert.equal(result.firstBadIndex, 3);
    assert.equal(result.problem, 'missing');
  });

  test('swapping two rows is detected as reordered', async () => {
    const a = db.prepare('SELECT event_json FROM audit_events WHERE idx = 1').get() as {
      event_json: string;
    };
    const b = db.prepare('SELECT event_json FROM audit_events WHERE idx = 2').get() as {
      event_json: string;
    };
    const upd = db.prepare('UPDATE audit_events SET event_json = ? WHERE idx = ?');
    upd.run(b.event_json, 1);
    upd.run(a.event_json, 2);
    const { code, result } = await verify();
    assert.equal(code, 1);
    assert.equal(result.firstBadIndex, 1);
    assert.equal(result.problem, 'reordered');
  });

  test('rewriting the tail with recomputed nodes but no new signature fails at the checkpoint', async () => {
    // an attacker who can write the database but not sign: rewrite the last event AND its leaf node
    const { leafHash } = await import('../../src/audit/index.js');
    const last = db.prepare('SELECT MAX(idx) AS n FROM audit_events').get() as { n: number };
    const row = db.prepare('SELECT event_json FROM audit_events WHERE idx = ?').get(last.n) as {
      event_json: string;
    };
    const forged = row.event_json.replace('"outcome":"', '"outcome":"forged-');
    db.prepare('UPDATE audit_events SET event_json = ? WHERE idx = ?').run(forged, last.n);
    db.prepare('UPDATE audit_nodes SET hash = ? WHERE level = 0 AND idx = ?').run(
      Buffer.from(leafHash(Buffer.from(forged, 'utf8'))),
      last.n,
    );
    const { code, result } = await verify();
    assert.equal(code, 1);
    assert.ok(typeof result.firstBadIndex === 'number' && result.firstBadIndex <= last.n);
    assert.match(String(result.problem), /node_mismatch|root_mismatch|changed|bad_checkpoint/);
  });

  test('a checkpoint whose signature was altered is reported as a bad signature', async () => {
    const cp = db
      .prepare('SELECT size, note FROM audit_checkpoints ORDER BY size LIMIT 1')
      .get() as { size: number; note: string };
    const lines = cp.note.split('\n');
    const sigLine = lines.findIndex((l) => l.startsWith('— '));
    const parts = (lines[sigLine] as string).split(' ');
    const sig = Buffer.from(parts[2] as string, 'base64');
    sig[10] = (sig[10] as number) ^ 0xff;
    parts[2] = sig.toString('base64');
    lines[sigLine] = parts.join(' ');
    db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = ?').run(
      lines.join('\n'),
      cp.size,
    );
    const { code, result } = await verify();
    assert.equal(code, 1);
    assert.equal(result.problem, 'bad_signature');
  });
});
