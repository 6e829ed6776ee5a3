/**
 * kill -9 of one of three replicas while reviews and gate checks run against all of them: every
 * request answered 2xx is in the store and in the audit log, nothing half-written is left by the
 * transactions the dead replica had open, the log verifies, and the survivors keep serving.
 * PostgreSQL only (COUNTERSIGN_TEST_PG_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import {
  auditTypesOf,
  integrateAudit,
  devDeploy,
  stagingDeploy,
  startDeployment,
  type Deployment,
} from '../helpers/replicas.js';

const baseUrl = process.env.COUNTERSIGN_TEST_PG_URL;

const REVIEWS = 45;
const GATES = 60;
const WORKERS = 6;
const VICTIM = 2;

interface Op {
  kind: 'review' | 'gate';
  replica: number;
  /** The request reviewed, or the gate check's image. */
  ref: string;
  status?: number;
  /** The decision the gate answered with (2xx gate checks). */
  decisionId?: string;
  /** Started after the victim was killed. */
  afterKill?: boolean;
}

if (!baseUrl) {
  test('replica crash', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('a replica killed under load', () => {
    let d: Deployment;

    before(async () => {
      d = await startDeployment({
        baseUrl,
        replicas: 3,
        keys: {
          ci: ['approvals:request,gate:check', ''],
          r0: ['approvals:review', 'release-managers'],
          r1: ['approvals:review', 'release-managers'],
          r2: ['approvals:review', 'release-managers'],
        },
      });
    });
    after(async () => {
      await d?.close();
    });

    test('every 2xx is durable and audited, the log verifies, the survivors serve', async () => {
      const pending: string[] = [];
      for (let i = 0; i < REVIEWS; i++) {
        const r = await d.call(i, 'ci', 'POST', '/v1/approvals', {
          action: stagingDeploy(`img:crash-${i}`),
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        pending.push(r.body.id as string);
      }
      // reviews and gate checks interleaved, spread over the three replicas
      const ops: Op[] = [];
      for (let i = 0; i < Math.max(REVIEWS, GATES); i++) {
        const id = pending[i];
        if (id) ops.push({ kind: 'review', replica: ops.length % 3, ref: id });
        if (i < GATES) ops.push({ kind: 'gate', replica: ops.length % 3, ref: `img:gate-${i}` });
      }

      let next = 0;
      let done = 0;
      let killed = false;
      const victim = d.replicas[VICTIM];
      assert.ok(victim);
      const run = async (op: Op) => {
        op.afterKill = killed;
        try {
          const r =
            op.kind === 'review'
              ? await d.call(
                  op.replica,
                  `r${op.replica}`,
                  'POST',
                  `/v1/approvals/${op.ref}/approve`,
                  {
                    reason: 'load',
                  },
                )
              : await d.call(op.replica, 'ci', 'POST', '/v1/gate', { action: devDeploy(op.ref) });
          op.status = r.status;
          if (op.kind === 'gate' && r.status === 200) {
            op.decisionId = (r.body.decision as { decisionId: string }).decisionId;
          }
        } catch {
          op.status = 0; // connection refused or reset: the replica is gone
        }
      };
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (next < ops.length) {
            const op = ops[next++];
            if (!op) break;
            await run(op);
            done++;
            if (!killed && done >= ops.length / 3) {
              killed = true;
              victim.child.kill('SIGKILL');
            }
          }
        }),
      );
      assert.ok(killed);
      assert.equal(victim.child.signalCode ?? (await waitExit(victim.child)), 'SIGKILL');

      const ok = ops.filter((o) => o.status !== undefined && o.status >= 200 && o.status < 300);
      const failed = ops.filter((o) => !ok.includes(o));
      assert.ok(failed.length > 0, 'the kill cost the victim its requests');
      // only the victim's requests may fail
      for (const o of failed) {
        assert.equal(o.replica, VICTIM, `${o.kind} ${o.ref} on replica ${o.replica}: ${o.status}`);
      }
      assert.ok(
        ops.some((o) => o.afterKill && o.replica !== VICTIM && ok.includes(o)),
        'survivors answered during the load after the kill',
      );
      assert.ok(ok.length >= ops.length / 2, `${ok.length} of ${ops.length} succeeded`);

      // every event committed so far in the log (the victim may have died mid-integration)
      await integrateAudit(d.db.url);
      for (const o of ok) {
        if (o.kind === 'review') {
          const { rows } = await d.sql.query<{ state: string }>(
            'SELECT state FROM approvals WHERE id = $1',
            [o.ref],
          );
          assert.equal(rows[0]?.state, 'approved', o.ref);
          const types = await auditTypesOf(d.sql, o.ref);
          assert.equal(types.filter((t) => t === 'approval.approved').length, 1, o.ref);
        } else {
          const { rows } = await d.sql.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM audit_events WHERE type = 'gate.allowed' AND event_json::jsonb->>'decisionId' = $1",
            [o.decisionId],
          );
          assert.equal(rows[0]?.n, 1, `gate ${o.ref}`);
        }
      }

      // nothing partial: every approved request has its one event and its credential, and back
      const { rows: states } = await d.sql.query<{ id: string; state: string; creds: number }>(
        `SELECT a.id, a.state, (SELECT count(*)::int FROM credentials c WHERE c.approval_id = a.id) AS creds
           FROM approvals a WHERE a.id = ANY($1)`,
        [pending],
      );
      assert.equal(states.length, REVIEWS);
      for (const s of states) {
        const approvedEvents = (await auditTypesOf(d.sql, s.id)).filter(
          (t) => t === 'approval.approved',
        ).length;
        assert.equal(approvedEvents, s.state === 'approved' ? 1 : 0, s.id);
        assert.equal(s.creds, s.state === 'approved' ? 1 : 0, s.id);
        if (s.state !== 'approved') assert.equal(s.state, 'pending', s.id);
      }

      // the survivors keep serving: the reviews the victim lost, and fresh gate checks
      const lost = states.filter((s) => s.state === 'pending').map((s) => s.id);
      for (const [i, id] of lost.entries()) {
        const r = await d.call(i % 2, `r${i % 2}`, 'POST', `/v1/approvals/${id}/approve`, {
          reason: 'after the crash',
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      for (let i = 0; i < 6; i++) {
        const r = await d.call(i % 2, 'ci', 'POST', '/v1/gate', {
          action: devDeploy(`img:after-${i}`),
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }

      const verify = await runCli(['audit', 'verify', '--db', d.db.url, '--json'], {
        cwd: d.dir,
        env: d.env,
      });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
    });
  });
}

function waitExit(child: {
  once(e: 'exit', f: (c: number | null, s: string | null) => void): void;
}) {
  return new Promise<string | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
}
