/**
 * Gate requests per second over HTTP on loopback (real server, real SQLite file, every call
 * audited) beside a bare Fastify route measured the same way in the same run.
 */
import Fastify from 'fastify';
import { createHarness, deployAction } from '../test/helpers/harness.js';
import { loadInChild, type LoadResult } from './load-child.js';
import type { BenchFigure } from './lib.js';

const BENCH_POLICY = `
version: 1
environments:
  dev: { posture: dev, sideEffects: allow }
  prod:
    posture: prod
    sideEffects: require_approval
    actions:
      deploy:
        capabilities: [deploy]
        approvers: { groups: [sre], min: 1 }
        singleUse: false
`;

export async function benchGateHttp(durationMs = 4000): Promise<BenchFigure[]> {
  const bare = Fastify();
  bare.post('/bare', async () => ({ allowed: true }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  // load from another process, the baseline's too
  const load = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
    loadInChild({
      bases: [base],
      headers,
      calls: { kind: 'fixed', path, body },
      concurrency: 16,
      durationMs,
    });
  const base = await load(bareUrl, '/bare', '{"action":{}}');
  await bare.close();

  // rate limits raised: the bench measures throughput, not the limiter
  const h = await createHarness({
    policy: BENCH_POLICY,
    app: { rateLimit: { authFailuresPerMinute: 1_000_000, mutationsPerMinute: 100_000_000 } },
  });
  try {
    const action = deployAction('bench:1');
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action },
    });
    await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${created.json().id}/approve`,
      headers: h.auth('bob'),
      payload: { reason: 'bench' },
    });
    const token = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/approvals/${created.json().id}/credential`,
        headers: h.auth('requester'),
      })
    ).json().token as string;
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const headers = h.auth('requester');
    // the clock of the harness is frozen at issue time, so the credential stays valid throughout
    const allow = await load(
      url,
      '/v1/gate',
      JSON.stringify({ action: { ...action, environment: 'dev' } }),
      headers,
    );
    const verified = await load(
      url,
      '/v1/gate',
      JSON.stringify({ action, credential: token }),
      headers,
    );
    const fig = (name: string, r: LoadResult, note: string): BenchFigure[] => [
      {
        name: `${name}: requests/s`,
        value: r.rps,
        unit: 'req/s',
        baseline: { name: 'bare Fastify POST route', value: base.rps, unit: 'req/s' },
        ratio: r.rps / base.rps,
        note: `${note}; load from ${r.generator}; statuses ${JSON.stringify(r.statuses)}`,
      },
      {
        name: `${name}: p99`,
        value: r.p99Ms,
        unit: 'ms',
        baseline: { name: 'bare Fastify POST route p99', value: base.p99Ms, unit: 'ms' },
        ratio: base.p99Ms / r.p99Ms,
      },
    ];
    return [
      ...fig(
        'gate (policy allows, audited)',
        allow,
        'one audit append per call, committed with the others of its event-loop turn',
      ),
      ...fig(
        'gate (credential verified, audited)',
        verified,
        'Ed25519 verify + online checks + audit append',
      ),
    ];
  } finally {
    await h.close();
  }
}
