import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/cavra/project', import.meta.url));

/** CAVRA's SQLite approval store, from the formats document (F8): table, columns, indexes. */
const CAVRA_SQLITE_SCHEMA = `
CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
CREATE TABLE approvals (
  approval_id TEXT PRIMARY KEY,
  decision_id TEXT NOT NULL,
  session_id TEXT,
  state TEXT NOT NULL,
  approver_group TEXT NOT NULL,
  requested_by TEXT,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  external_ref TEXT,
  break_glass INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL
);
CREATE INDEX idx_approvals_state ON approvals (state);
CREATE INDEX idx_approvals_approver_group ON approvals (approver_group);
CREATE INDEX idx_approvals_requested_at ON approvals (requested_at);
`;

type Rec = Record<string, unknown>;

/** The JSON store's records under other ids (and other decisions), as the API's SQLite store. */
function writeSqliteStore(path: string, items: Rec[]): string[] {
  const db = new Database(path);
  db.exec(CAVRA_SQLITE_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO approvals VALUES (@approval_id, @decision_id, @session_id, @state, @approver_group,
      @requested_by, @requested_at, @expires_at, @decided_by, @decided_at, @external_ref, @break_glass, @payload)`,
  );
  const ids: string[] = [];
  for (const item of items) {
    const id = `apr_0${String(item.approval_id).slice(5)}`;
    const decisionId = `dec_0${String((item.decision as Rec).decision_id).slice(5)}`;
    const rec: Rec = {
      ...item,
      approval_id: id,
      ...(item.decision_id ? { decision_id: decisionId } : {}),
      decision: { ...(item.decision as Rec), decision_id: decisionId },
    };
    ids.push(id);
    insert.run({
      approval_id: id,
      decision_id: rec.decision_id ?? 'dec_missing',
      session_id: 'local',
      state: rec.state,
      approver_group: rec.approver_group,
      requested_by: rec.requested_by,
      requested_at: rec.requested_at,
      expires_at: rec.expires_at,
      decided_by: rec.decided_by ?? null,
      decided_at: rec.decided_at ?? null,
      external_ref: rec.external_ref ?? null,
      break_glass: rec.break_glass ? 1 : 0,
      payload: JSON.stringify(rec),
    });
  }
  // a row whose payload is not JSON at all
  insert.run({
    approval_id: 'apr_0badbadbad00',
    decision_id: 'dec_0badbadbad00',
    session_id: 'local',
    state: 'pending',
    approver_group: 'IAM',
    requested_by: 'developer',
    requested_at: '2026-11-29T00:00:00+00:00',
    expires_at: '2026-11-30T00:00:00+00:00',
    decided_by: null,
    decided_at: null,
    external_ref: null,
    break_glass: 0,
    payload: '{"approval_id": "apr_0badbadbad00", truncated',
  });
  db.close();
  return ids;
}

describe('import cavra: JSON and SQLite approval stores become requests', () => {
  let dir: string;
  let items: Rec[];
  const local = ['--config', '.countersign/countersign.yaml'];
  const cli = (args: string[]) => runCli([...args, ...local], { cwd: dir, timeoutMs: 60_000 });
  const imported = ['--store', 'project/.cavra/approvals.json', '--sqlite', 'approvals.db'];
  let sqliteIds: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cavra-'));
    cpSync(FIXTURE, join(dir, 'project'), { recursive: true });
    assert.equal((await runCli(['init'], { cwd: dir })).code, 0);
    items = (
      JSON.parse(readFileSync(join(FIXTURE, '.cavra/approvals.json'), 'utf8')) as { items: Rec[] }
    ).items;
    sqliteIds = writeSqliteStore(join(dir, 'approvals.db'), items);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const auditEvents = async () => {
    const r = await cli(['audit', 'export']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          (JSON.parse(l) as { event: { type: string; approvalId: string; details: Rec } }).event,
      );
  };

  test('a dry run validates and writes nothing', async () => {
    const r = await cli(['import', 'cavra', ...imported, '--dry-run', '--json']);
    assert.equal(r.code, 2, 'the malformed records make it exit 2');
    const body = JSON.parse(r.stdout);
    const [json, sqlite] = body.stores;
    assert.equal(json.outcomes.filter((o: Rec) => o.result === 'would_import').length, 6);
    assert.equal(sqlite.outcomes.filter((o: Rec) => o.result === 'would_import').length, 6);
    const list = JSON.parse((await cli(['approval', 'list', '--json'])).stdout);
    assert.equal(list.items.length, 0);
  });

  test('a pending record is refused when this policy asks no approval for its action', async () => {
    const r = await cli([
      'import',
      'cavra',
      '--store',
      'project/.cavra/approvals.json',
      '--environment',
      'nowhere',
      '--dry-run',
      '--json',
    ]);
    assert.equal(r.code, 2);
    const outcomes = JSON.parse(r.stdout).stores[0].outcomes as Rec[];
    const pending = outcomes.filter((o) =>
      ['apr_5f0c2a9e7d11', 'apr_6a1d3b8c9e22'].includes(o.cavraId as string),
    );
    assert.deepEqual(
      pending.map((o) => o.result),
      ['rejected', 'rejected'],
    );
    assert.match(
      String((pending[0]?.errors as string[])[0]),
      /decides deny .*environment nowhere is not defined/,
    );
    // decided records keep their outcome whatever the policy says now
    assert.equal(outcomes.filter((o) => o.result === 'would_import').length, 4);
  });

  test('every valid record is imported; the malformed ones are reported, not half-imported', async () => {
    const r = await cli(['import', 'cavra', ...imported, '--json']);
    assert.equal(r.code, 2, r.stderr);
    const body = JSON.parse(r.stdout);
    const [json, sqlite] = body.stores;
    assert.equal(json.kind, 'json');
    assert.deepEqual(
      json.outcomes.map((o: Rec) => [o.cavraId, o.result, o.state ?? null]),
      [
        ['apr_5f0c2a9e7d11', 'imported', 'pending'],
        ['apr_6a1d3b8c9e22', 'imported', 'pending'],
        ['apr_7b2e4c9d0f33', 'imported', 'approved'],
        ['apr_8c3f5d0e1a44', 'imported', 'denied'],
        ['apr_9d4a6e1f2b55', 'imported', 'expired'],
        ['apr_ae5b7f2a3c66', 'imported', 'approved'],
        ['apr_bf6c8a3b4d77', 'rejected', null],
      ],
    );
    assert.deepEqual(json.outcomes[6].errors, [
      'unsupported approval state: escalated',
      'decision_id is required',
    ]);
    assert.equal(sqlite.kind, 'sqlite');
    const rejected = sqlite.outcomes.filter((o: Rec) => o.result === 'rejected');
    assert.deepEqual(
      rejected.map((o: Rec) => o.at).sort(),
      ['row apr_0badbadbad00', `row ${sqliteIds[6]}`].sort(),
    );
    assert.equal(sqlite.outcomes.filter((o: Rec) => o.result === 'imported').length, 6);

    // nothing of a rejected record reached the store or the log
    const events = await auditEvents();
    const importedEvents = events.filter((e) => e.type === 'approval.imported');
    assert.equal(importedEvents.length, 12);
    assert.ok(!events.some((e) => /badbadbad|bf6c8a3b4d77/.test(e.approvalId ?? '')));
    const show = await cli(['approval', 'show', 'apr_cavra_bf6c8a3b4d77']);
    assert.equal(show.code, 3, 'not found');
  });

  test('importing twice adds nothing', async () => {
    const before = (await auditEvents()).length;
    const r = await cli(['import', 'cavra', ...imported, '--json']);
    const body = JSON.parse(r.stdout);
    for (const store of body.stores) {
      assert.equal(store.outcomes.filter((o: Rec) => o.result === 'imported').length, 0);
      assert.equal(store.outcomes.filter((o: Rec) => o.result === 'already_imported').length, 6);
    }
    assert.equal((await auditEvents()).length, before);
    const list = JSON.parse((await cli(['approval', 'list', '--json', '--limit', '200'])).stdout);
    assert.equal(list.items.length, 12);
  });

  test('approval list shows every state; a pending request past its CAVRA expiry reads expired', async () => {
    const list = JSON.parse((await cli(['approval', 'list', '--json', '--limit', '200'])).stdout);
    const state = (id: string) => list.items.find((a: Rec) => a.id === id)?.state;
    assert.equal(
      state('apr_cavra_5f0c2a9e7d11'),
      'expired',
      'CAVRA never enforced expires_at; here it holds',
    );
    assert.equal(state('apr_cavra_6a1d3b8c9e22'), 'pending');
    assert.equal(state('apr_cavra_7b2e4c9d0f33'), 'approved');
    assert.equal(state('apr_cavra_8c3f5d0e1a44'), 'denied');
    assert.equal(state('apr_cavra_9d4a6e1f2b55'), 'expired');
    assert.equal(state('apr_cavra_ae5b7f2a3c66'), 'approved');
    const pending = JSON.parse(
      (await cli(['approval', 'list', '--state', 'pending', '--json'])).stdout,
    );
    assert.deepEqual(
      // the stored state filters; a request past its expiry reads as expired
      pending.items
        .filter((a: Rec) => a.state === 'pending')
        .map((a: Rec) => a.id)
        .sort(),
      ['apr_cavra_6a1d3b8c9e22', `apr_cavra_${sqliteIds[1]?.slice(4)}`].sort(),
    );
  });

  test('approval show carries reviews, history, break-glass and external references; names stay unverified', async () => {
    const approved = JSON.parse(
      (await cli(['approval', 'show', 'apr_cavra_7b2e4c9d0f33', '--json'])).stdout,
    );
    assert.deepEqual(
      approved.reviews.map((r: Rec) => [r.reviewer, r.verdict, r.reason, r.externalRef]),
      [
        [
          {
            id: 'cavra:platform-security',
            kind: 'imported',
            name: 'platform-security',
            fingerprint: 'cavra:platform-security',
          },
          'approve',
          'Scoped IAM change reviewed',
          'CHG-123',
        ],
      ],
    );
    assert.deepEqual(
      approved.history.map((h: Rec) => h.event),
      ['requested', 'approved'],
    );
    assert.equal(approved.requestedBy.kind, 'imported');
    assert.equal(approved.action.kind, 'execute_command');
    assert.equal(approved.action.target, 'npm publish');
    assert.match(approved.note, /apr_7b2e4c9d0f33/);

    const bg = JSON.parse(
      (await cli(['approval', 'show', 'apr_cavra_ae5b7f2a3c66', '--json'])).stdout,
    );
    assert.deepEqual(bg.breakGlass, {
      reason: 'Production recovery',
      approverGroup: 'Change Advisory Board',
      externalRef: 'INC-777',
    });
    assert.deepEqual(
      bg.history.map((h: Rec) => h.event),
      ['requested', 'approved', 'break_glass'],
    );

    const denied = await cli(['approval', 'show', 'apr_cavra_8c3f5d0e1a44']);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /DENIED/);
    assert.match(denied.stdout, /Disables the secret scanner/);
  });

  test('decided records keep their outcome but get no credential', async () => {
    for (const id of ['apr_cavra_7b2e4c9d0f33', 'apr_cavra_ae5b7f2a3c66']) {
      const r = await cli(['approval', 'credential', id]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /credential_not_ready/);
    }
    const events = await auditEvents();
    assert.ok(!events.some((e) => e.type === 'credential.issued'));
  });

  test('each import is audited with where it came from, and audit verify passes', async () => {
    const events = (await auditEvents()).filter((e) => e.type === 'approval.imported');
    const bg = events.find((e) => e.approvalId === 'apr_cavra_ae5b7f2a3c66');
    assert.ok(bg);
    const source = bg.details.source as Rec;
    assert.equal(source.system, 'cavra');
    assert.equal(source.store, 'json');
    assert.match(String(source.file), /approvals\.json$/);
    assert.equal(source.approvalId, 'apr_ae5b7f2a3c66');
    assert.equal(source.state, 'break_glass');
    assert.equal(bg.details.breakGlass, true);
    assert.equal(bg.details.unverifiedDecidedBy, 'incident-commander');
    assert.equal(bg.details.credentialIssued, false);
    assert.ok(events.some((e) => (e.details.source as Rec).store === 'sqlite'));
    const verify = await cli(['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^ok: /);
  });

  test("an imported pending request stays reviewable here, within this deployment's maximum lifetime", async () => {
    const before = JSON.parse(
      (await cli(['approval', 'show', 'apr_cavra_6a1d3b8c9e22', '--json'])).stdout,
    );
    assert.ok(
      Date.parse(before.expiresAt) <= Date.now() + 720 * 3_600_000,
      'CAVRA expiry (2099) capped',
    );
    const r = await cli([
      'approval',
      'approve',
      'apr_cavra_6a1d3b8c9e22',
      '--reason',
      'reviewed here',
      '--as-groups',
      'IAM',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).state, 'approved');
    const cred = await cli(['approval', 'credential', 'apr_cavra_6a1d3b8c9e22']);
    assert.equal(cred.code, 0, cred.stderr);
    assert.match(cred.stdout.trim(), /^ey/);
  });
});
