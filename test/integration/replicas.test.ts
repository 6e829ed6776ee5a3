/**
 * Three `countersign serve` processes on loopback sharing one PostgreSQL database and keys dir:
 * concurrent reviews spread over the replicas give exactly one transition, a waiter on one
 * replica wakes from an approval on another (LISTEN/NOTIFY), every notification reaches a real
 * HTTP sink exactly once, every expiry happens once although every replica's sweeper races for
 * it, and the audit log verifies afterwards. PostgreSQL only (COUNTERSIGN_TEST_PG_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink, type Sink } from '../helpers/notify.js';
import { runCli } from '../helpers/cli.js';
import {
  auditTypesOf,
  integrateAudit,
  CONFIG,
  devDeploy,
  eventually,
  stagingDeploy,
  startDeployment,
  WEBHOOK_PROVIDER_CONFIG,
  type Deployment,
} from '../helpers/replicas.js';

const baseUrl = process.env.COUNTERSIGN_TEST_PG_URL;
const WEBHOOK_SECRET = `whsec_${Buffer.from('replica-webhook-secret-0123456789').toString('base64')}`;

if (!baseUrl) {
  test('replicas on one PostgreSQL', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('three replicas on one PostgreSQL', () => {
    let d: Deployment;
    let sink: Sink;
    /** Every request this file created, with the decision it should end with. */
    const created = new Map<string, 'approved' | 'expired'>();

    before(async () => {
      sink = await startSink(() => 200);
      d = await startDeployment({
        baseUrl,
        replicas: 3,
        env: { COUNTERSIGN_WEBHOOK_URL: sink.url, COUNTERSIGN_WEBHOOK_SECRET: WEBHOOK_SECRET },
        editConfig: WEBHOOK_PROVIDER_CONFIG,
        keys: {
          ci: ['approvals:request,gate:check', ''],
          prometheus: ['metrics:read', ''],
          ...Object.fromEntries(
            Array.from({ length: 6 }, (_, i) => [
              `reviewer${i}`,
              ['approvals:review', 'release-managers'] as [string, string],
            ]),
          ),
        },
      });
    });
    after(async () => {
      await d?.close();
      await sink?.close();
    });

    const request = async (replica: number, image: string, ttl?: string): Promise<string> => {
      const r = await d.call(replica, 'ci', 'POST', '/v1/approvals', {
        action: stagingDeploy(image),
        ...(ttl ? { ttl } : {}),
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      // a request with a short ttl may read expired already when the machine is busy
      if (ttl)
        assert.ok(['pending', 'expired'].includes(r.body.state as string), String(r.body.state));
      else assert.equal(r.body.state, 'pending');
      return r.body.id as string;
    };

    test('30 concurrent approves spread over the replicas make exactly one transition', async () => {
      const id = await request(0, 'img:race');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          d.call(i, `reviewer${i % 6}`, 'POST', `/v1/approvals/${id}/approve`, {
            reason: `go ${i}`,
          }),
        ),
      );
      created.set(id, 'approved');
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 409).length, 29, statuses.join(','));
      await integrateAudit(d.db.url);
      const types = await auditTypesOf(d.sql, id);
      assert.equal(types.filter((t) => t === 'approval.approved').length, 1, types.join(','));
      assert.equal(types.filter((t) => t === 'approval.reviewed').length, 0, types.join(','));
      const { rows } = await d.sql.query<{ state: string; version: number }>(
        'SELECT state, version FROM approvals WHERE id = $1',
        [id],
      );
      assert.deepEqual(rows, [{ state: 'approved', version: 2 }]);
    });

    test('a long-poll waiter on one replica answers approved after an approval on another', async () => {
      for (const [waitOn, approveOn] of [
        [0, 1],
        [1, 2],
        [2, 0],
      ] as const) {
        const id = await request(waitOn, `img:wait-${waitOn}`);
        created.set(id, 'approved');
        const waiting = d.call(waitOn, 'ci', 'GET', `/v1/approvals/${id}/wait?timeout=60s`);
        // no event tells when the waiter has subscribed; this short pause only makes the
        // cross-replica wake-up the likely path (an approval that lands first is answered by the
        // waiter's first read, so the assertions below hold either way and cannot flake)
        await new Promise((r) => setTimeout(r, 300));
        const approved = await d.call(
          approveOn,
          'reviewer0',
          'POST',
          `/v1/approvals/${id}/approve`,
          {
            reason: 'ship it',
          },
        );
        assert.equal(approved.status, 200, JSON.stringify(approved.body));
        const woke = await waiting;
        assert.equal(woke.status, 200);
        assert.equal(woke.body.state, 'approved');
      }
    });

    /** An SSE stream of a replica, as the CI key sees it. */
    const openStream = async (replica: number, path: string) => {
      const ac = new AbortController();
      const res = await fetch(`${d.replicas[replica]?.url}${path}`, {
        headers: { authorization: `Bearer ${d.tokens.ci}` },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      assert.ok(res.body);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      return {
        /**
         * Reads until `until` matches all that arrived, the stream ends, or `ms` pass (a bound
         * for a lost event, not a speed check); returns all that arrived.
         */
        readUntil: async (until: RegExp, ms = 10_000): Promise<string> => {
          const timer = setTimeout(() => ac.abort(), ms);
          try {
            while (!until.test(text)) {
              const chunk = await reader.read();
              if (chunk.done) break;
              text += decoder.decode(chunk.value, { stream: true });
            }
          } catch {
            // aborted: the caller's assertions say what arrived
          } finally {
            clearTimeout(timer);
          }
          return text;
        },
        close: () => ac.abort(),
      };
    };

    test('an SSE stream on one replica hears an approval made on another', async () => {
      const id = await request(1, 'img:sse');
      created.set(id, 'approved');
      const stream = await openStream(2, `/v1/approvals/${id}/events`);
      // subscribed once the snapshot is sent
      assert.match(await stream.readUntil(/event: snapshot\n/), /event: snapshot\n/);
      const approved = await d.call(0, 'reviewer1', 'POST', `/v1/approvals/${id}/approve`, {
        reason: 'ok',
      });
      assert.equal(approved.status, 200);
      const text = await stream.readUntil(/event: approved\n/);
      stream.close();
      assert.match(text, /event: approved\n/);
      // heard once, although the change was announced to every replica
      assert.equal(text.match(/event: approved\n/g)?.length, 1);
    });

    test('a change counts once in the changes counter summed over replicas, while another replica relays it to its stream', async () => {
      /** countersign_approval_changes_total{event="requested"} of every replica. */
      const requested = async () =>
        Promise.all(
          d.replicas.map(async (r) => {
            const res = await fetch(`${r.url}/metrics`, {
              headers: { authorization: `Bearer ${d.tokens.prometheus}` },
            });
            assert.equal(res.status, 200);
            const m = /^countersign_approval_changes_total\{event="requested"\} (\S+)$/m.exec(
              await res.text(),
            );
            return Number(m?.[1] ?? 0);
          }),
        );
      // a stream of every change on replica 2: it must hear a request made on replica 1
      const stream = await openStream(2, '/v1/approvals/events');
      assert.match(await stream.readUntil(/event: ready\n/), /event: ready\n/);
      const before = await requested();
      const id = await request(1, 'img:counted');
      created.set(id, 'approved');
      const heard = new RegExp(`event: requested\\ndata: [^\\n]*"id":"${id}"`);
      const text = await stream.readUntil(heard);
      stream.close();
      assert.match(text, heard);
      const after = await requested();
      // counted by the replica that made it, not by the one that relayed it nor the third
      assert.deepEqual(
        after.map((n, i) => n - (before[i] ?? 0)),
        [0, 1, 0],
      );
      // approved now, so that the file's last test finds every request it made decided
      const approved = await d.call(0, 'reviewer2', 'POST', `/v1/approvals/${id}/approve`, {
        reason: 'ok',
      });
      assert.equal(approved.status, 200);
    });

    test('each expiry happens once while every replica sweeps', async () => {
      const ids = await Promise.all(
        Array.from({ length: 12 }, (_, i) => request(i, `img:expire-${i}`, '1s')),
      );
      for (const id of ids) created.set(id, 'expired');
      const allExpired = await eventually(async () => {
        const { rows } = await d.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM approvals WHERE id = ANY($1) AND state = 'expired'",
          [ids],
        );
        return rows[0]?.n === ids.length;
      }, 10_000);
      assert.ok(allExpired, 'every request was recorded expired by a sweeper');
      // a sweep still running on another replica would have to lose its conditional update
      await new Promise((r) => setTimeout(r, 1500));
      await integrateAudit(d.db.url);
      for (const id of ids) {
        const types = (await auditTypesOf(d.sql, id)).filter((t) => t.startsWith('approval.'));
        assert.deepEqual(types, ['approval.requested', 'approval.expired'], id);
      }
    });

    test('gate checks on every replica are each audited once', async () => {
      const results = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          d.call(i, 'ci', 'POST', '/v1/gate', { action: devDeploy(`img:gate-${i}`) }),
        ),
      );
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      const ids = results.map((r) => (r.body.decision as { decisionId: string }).decisionId);
      await integrateAudit(d.db.url);
      const { rows } = await d.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE type = 'gate.allowed' AND event_json::jsonb->>'decisionId' = ANY($1)",
        [ids],
      );
      assert.equal(rows[0]?.n, 9);
    });

    test('each notification reaches the webhook sink exactly once', async () => {
      const expected = new Set<string>();
      for (const [id, outcome] of created) {
        expected.add(`msg_${id}_requested`);
        expected.add(`msg_${id}_${outcome}`);
      }
      const webhookIds = () => sink.requests.map((r) => String(r.headers['webhook-id']));
      const arrived = await eventually(
        async () => expected.size <= new Set(webhookIds()).size,
        15_000,
      );
      assert.ok(arrived, `sink got ${sink.requests.length} of ${expected.size} notifications`);
      // every replica's worker polls at least once more: a double delivery would show now
      await new Promise((r) => setTimeout(r, 2500));
      const counts = new Map<string, number>();
      for (const w of webhookIds()) counts.set(w, (counts.get(w) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'no notification was delivered twice');
      assert.deepEqual([...counts.keys()].sort(), [...expected].sort());
      await integrateAudit(d.db.url);
      const { rows } = await d.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE type = 'notification.delivered'",
      );
      assert.equal(rows[0]?.n, expected.size);
    });

    test('checkpoints have one per size, and the audit log verifies from any replica’s writes', async () => {
      const ok = await eventually(async () => {
        const { rows } = await d.sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM audit_checkpoints WHERE size = (SELECT size FROM audit_head)',
        );
        return rows[0]?.n === 1;
      }, 5000);
      assert.ok(ok, 'a checkpoint of the current size was signed');
      const verify = await runCli(['audit', 'verify', '--db', d.db.url, '--json'], {
        cwd: d.dir,
        env: d.env,
      });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const r = JSON.parse(verify.stdout) as { ok: boolean; size: number; checkpoints: number };
      assert.equal(r.ok, true);
      assert.ok(r.checkpoints >= 1);
      const viaConfig = await runCli(['audit', 'verify', '--config', CONFIG], {
        cwd: d.dir,
        env: d.env,
      });
      assert.equal(viaConfig.code, 0, viaConfig.stderr);
      assert.match(viaConfig.stdout, new RegExp(`ok: ${r.size} events`));
    });
  });
}
