import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { appendLeaf, emptyCompactRange, eventLeafHash } from '../../src/audit/index.js';
import { jcs } from '../../src/lib/hash.js';
import { systemClock } from '../../src/lib/clock.js';
import { createWitnessService } from '../../src/services/witness-service.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';
import { harnessLogKeys, startTestWitness, type TestWitness } from '../helpers/witness.js';

interface Row {
  event_id: string;
  type: string;
  at: string;
  actor_id: string;
  environment: string | null;
  project: string | null;
  approval_id: string | null;
  event_json: string;
}

/**
 * The four history rewrites of someone with write access to the database and the running server:
 * recompute every node and the head, delete the checkpoints (and cosignatures) above the rewrite,
 * let the server sign a fresh checkpoint over the forged history. Plain `audit verify` cannot tell
 * (it recomputes a self-consistent log); a verifier holding a pinned checkpoint does, and the
 * witness never cosigns the forged checkpoint.
 */
describe('rewrites of history: detected by a pinned verifier, refused by the witness', () => {
  let h: Harness;
  let w: TestWitness;
  let work: string;
  let pristine: string;
  let configFile: string;
  let pinnedNote: string;
  let pinnedSize: number;
  let witnessed: { size: number; root: string };
  let db: Database.Database;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'countersign-rewrite-'));
    w = await startTestWitness(work, 'witness.test/w1');
    h = await createHarness({ witnessing: { witnesses: [w.endpoint], minCosignatures: 1 } });
    w.logs.push(...harnessLogKeys(h.keyRing));
    for (let i = 0; i < 6; i++) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/v1/approvals',
        headers: h.auth('requester'),
        payload: { action: deployAction(`shop:rewrite-${i}`) },
      });
      assert.equal(r.statusCode, 201);
      if (i % 2 === 1) {
        await h.services.audit.checkpoint();
        const o = await h.services.witnesses.witnessLatest();
        assert.ok(
          o.every((x) => x.ok),
          JSON.stringify(o),
        );
      }
    }
    const latest = await h.store.latestCheckpoint();
    assert.ok(latest);
    pinnedNote = latest.note;
    pinnedSize = latest.size;
    const rec = w.state.get('countersign.test/audit');
    assert.equal(rec?.size, pinnedSize);
    witnessed = { size: rec.size, root: Buffer.from(rec.root).toString('hex') };
    writeFileSync(join(work, 'pinned.checkpoint'), pinnedNote);
    pristine = join(work, 'pristine.db');
    h.store.database.exec(`VACUUM INTO '${pristine}'`);
    configFile = join(work, 'countersign.yaml');
    writeFileSync(
      configFile,
      [
        'store:',
        `  url: sqlite:${join(work, 'forged.db')}`,
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
    await w.close();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    cpSync(pristine, join(work, 'forged.db'));
    db = new Database(join(work, 'forged.db'));
  });

  /** Replaces the whole log with `rows` (renumbered from 0) and recomputes nodes and head. */
  function rewrite(rows: Row[], from: number) {
    const insert = db.prepare(
      'INSERT INTO audit_events (idx, event_id, type, at, actor_id, environment, project, approval_id, event_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const node = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
    db.transaction(() => {
      db.exec('DELETE FROM audit_events; DELETE FROM audit_nodes;');
      let range = emptyCompactRange();
      rows.forEach((r, i) => {
        insert.run(
          i,
          r.event_id,
          r.type,
          r.at,
          r.actor_id,
          r.environment,
          r.project,
          r.approval_id,
          r.event_json,
        );
        const next = appendLeaf(range, eventLeafHash(JSON.parse(r.event_json)));
        for (const n of next.newNodes) node.run(n.level, n.index, Buffer.from(n.hash));
        range = next.range;
      });
      db.prepare('UPDATE audit_head SET size = ?, compact_range = ? WHERE id = 1').run(
        range.size,
        JSON.stringify(range.hashes),
      );
      // the checkpoints (and their cosignatures) that no longer match go
      db.prepare('DELETE FROM audit_checkpoints WHERE size > ?').run(from);
      db.prepare('DELETE FROM audit_cosignatures WHERE size > ?').run(from);
    })();
    db.close();
  }

  const rows = (): Row[] =>
    db
      .prepare(
        'SELECT event_id, type, at, actor_id, environment, project, approval_id, event_json FROM audit_events ORDER BY idx',
      )
      .all() as Row[];
  const forge = (r: Row, tag: string): Row => {
    const e = JSON.parse(r.event_json) as Record<string, unknown>;
    return {
      ...r,
      event_id: `${r.event_id}-${tag}`,
      event_json: jcs({ ...e, eventId: `${String(e.eventId)}-${tag}`, outcome: 'forged' }),
    };
  };

  const cli = (args: string[]) =>
    runCli([...args, '--config', configFile, '--json'], { cwd: work });

  /** The server signs a fresh checkpoint; plain verify passes; the pinned verifier fails. */
  async function attackAndVerify(expected: RegExp) {
    const signed = await cli(['audit', 'checkpoint']);
    assert.equal(signed.code, 0, signed.stderr);
    const plain = await cli(['audit', 'verify']);
    assert.equal(
      plain.code,
      0,
      `plain verify should not see a recomputed log: ${plain.stdout}${plain.stderr}`,
    );
    const pinned = await cli([
      'audit',
      'verify',
      '--trusted-checkpoint',
      join(work, 'pinned.checkpoint'),
    ]);
    assert.equal(pinned.code, 1, pinned.stdout + pinned.stderr);
    const result = JSON.parse(pinned.stdout) as { ok: boolean; problem: string; message: string };
    assert.equal(result.ok, false);
    assert.match(result.problem, expected, result.message);
  }

  /** The forged checkpoint goes to the witness the way the running server would send it. */
  async function witnessRefuses() {
    const store = new SqliteStore({ path: join(work, 'forged.db') });
    try {
      const forged = await store.latestCheckpoint();
      assert.ok(forged);
      const service = createWitnessService({
        store,
        clock: systemClock,
        witnessing: { witnesses: [w.endpoint], minCosignatures: 1 },
      });
      const [outcome] = await service.witness(forged);
      assert.equal(outcome?.ok, false, JSON.stringify(outcome));
      assert.deepEqual(await store.listCosignatures(forged.size), []);
    } finally {
      await store.close();
    }
    const rec = w.state.get('countersign.test/audit');
    assert.equal(rec?.size, witnessed.size);
    assert.equal(Buffer.from(rec?.root as Uint8Array).toString('hex'), witnessed.root);
  }

  test('edit: one event rewritten in place', async () => {
    const all = rows();
    all[3] = forge(all[3] as Row, 'edit');
    rewrite(all, 3);
    // same size as the pin: the roots differ
    await attackAndVerify(/^forked$/);
    await witnessRefuses();
  });

  test('delete-and-renumber: one event removed, the later ones moved down', async () => {
    const all = rows();
    all.splice(2, 1);
    rewrite(all, 2);
    await attackAndVerify(/^(truncated|inconsistent)$/);
    await witnessRefuses();
  });

  test('truncate: the tail cut off', async () => {
    const all = rows().slice(0, 4);
    rewrite(all, 4);
    await attackAndVerify(/^truncated$/);
    await witnessRefuses();
  });

  test('truncate-and-append: the tail replaced by a longer forged one', async () => {
    const all = rows();
    const kept = all.slice(0, 4);
    const forged = all.slice(4).map((r) => forge(r, 'tail'));
    rewrite(
      [...kept, ...forged, forge(all[0] as Row, 'extra1'), forge(all[1] as Row, 'extra2')],
      4,
    );
    await attackAndVerify(/^inconsistent$/);
    await witnessRefuses();
  });

  test('a remembered checkpoint (--state-file) catches the rewrite on the next run', async () => {
    db.close();
    const state = join(work, 'state', 'log.checkpoint');
    const first = await cli(['audit', 'verify', '--state-file', state]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(JSON.parse(first.stdout).pinned, /remembered size/);
    db = new Database(join(work, 'forged.db'));
    const all = rows();
    all[1] = forge(all[1] as Row, 'later');
    rewrite(all, 1);
    await cli(['audit', 'checkpoint']);
    const second = await cli(['audit', 'verify', '--state-file', state]);
    assert.equal(second.code, 1, second.stdout);
    assert.equal(JSON.parse(second.stdout).problem, 'forked');
  });

  test('a verifier requiring the witness accepts only witnessed checkpoints', async () => {
    db.close();
    const vkey = w.key.verifierKey;
    const ok = await cli(['audit', 'verify', '--witness-key', vkey]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(
      JSON.parse(ok.stdout).pinned,
      /1 of 1 required witness cosignatures \(witness\.test\/w1\)/,
    );
    db = new Database(join(work, 'forged.db'));
    rewrite(rows().slice(0, 2), 0);
    await cli(['audit', 'checkpoint']);
    const refused = await cli(['audit', 'verify', '--witness-key', vkey]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(JSON.parse(refused.stdout).problem, 'unwitnessed');
  });
});
