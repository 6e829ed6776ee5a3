/**
 * Notification and resume latency on loopback, against a real server (real SQLite file, outbox,
 * worker) and a real HTTP sink: request → signed webhook delivered, and approve → long-poll
 * waiter woken, each p50/p99, beside a bare HTTP POST round trip to the same sink measured in
 * the same run (the floor any delivery pays).
 */
import { startNotifyServer, startSink, webhookSecret } from '../test/helpers/notify.js';
import { percentile, type BenchFigure } from './lib.js';

const ROUNDS = 60;
const WARMUP = 5;
const SECRET = webhookSecret('bench-signing-secret-000000');

function latencyFigures(
  name: string,
  samples: number[],
  baselineName: string,
  baseline: number[],
  note: string,
): BenchFigure[] {
  const s = [...samples].sort((a, b) => a - b);
  const b = [...baseline].sort((a, b2) => a - b2);
  return [50, 99].map((p) => {
    const value = percentile(s, p);
    const base = percentile(b, p);
    return {
      name: `${name} p${p}`,
      value,
      unit: 'ms',
      baseline: { name: `${baselineName} p${p}`, value: base, unit: 'ms' },
      ratio: base / value,
      note,
    };
  });
}

export async function benchNotify(): Promise<BenchFigure[]> {
  const sink = await startSink(() => 200);
  const hookUrl = `${sink.url}/hooks/bench0123456789abcdef`;
  const cs = await startNotifyServer({
    secrets: { B_HOOK_URL: hookUrl, B_HOOK_SECRET: SECRET },
    notificationsYaml: `
  onEvents: [requested]
  providers:
    webhook: { urlEnv: B_HOOK_URL, secretEnv: B_HOOK_SECRET }`,
  });
  try {
    // baseline: the same sink, a bare POST of a similar body, no Countersign in between
    const body = JSON.stringify({ type: 'approval.requested', approval: { id: 'x'.repeat(1200) } });
    const bare: number[] = [];
    for (let i = 0; i < ROUNDS + WARMUP; i++) {
      const t0 = performance.now();
      const res = await fetch(hookUrl, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      await res.arrayBuffer();
      if (i >= WARMUP) bare.push(performance.now() - t0);
    }

    const delivered: number[] = [];
    for (let i = 0; i < ROUNDS + WARMUP; i++) {
      const n = sink.requests.length;
      const t0 = performance.now();
      const r = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
        action: {
          kind: 'restart',
          environment: 'prod',
          project: 'bench',
          spec: { run: i },
          target: `svc/${i}`,
        },
      });
      if (r.status !== 201) throw new Error(`create answered ${r.status}`);
      const got = await sink.waitFor(n + 1, 10_000);
      if (got.headers['webhook-id'] !== `msg_${r.body.id}_requested`)
        throw new Error('wrong delivery');
      if (i >= WARMUP) delivered.push(got.at - t0);
    }

    const woken: number[] = [];
    for (let i = 0; i < ROUNDS + WARMUP; i++) {
      const r = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
        action: {
          kind: 'restart',
          environment: 'prod',
          project: 'bench',
          spec: { wake: i },
          target: `svc/w${i}`,
        },
      });
      let t1 = 0;
      const waiter = cs
        .api<{ state: string }>('requester', 'GET', `/v1/approvals/${r.body.id}/wait?timeout=30s`)
        .then((w) => {
          t1 = performance.now();
          return w;
        });
      await new Promise((res) => setTimeout(res, 5)); // the waiter is parked on the server
      const t0 = performance.now();
      await cs.api('bob', 'POST', `/v1/approvals/${r.body.id}/approve`, { reason: 'bench' });
      const w = await waiter;
      if (w.body.state !== 'approved') throw new Error(`waiter saw ${w.body.state}`);
      if (i >= WARMUP) woken.push(t1 - t0);
    }

    return [
      ...latencyFigures(
        'request → webhook delivered',
        delivered,
        'bare POST round trip',
        bare,
        `${ROUNDS} requests, signed webhook, SQLite outbox`,
      ),
      ...latencyFigures(
        'approve → long-poll waiter woken',
        woken,
        'bare POST round trip',
        bare,
        `${ROUNDS} approvals, credential signed in the approve`,
      ),
    ];
  } finally {
    await cs.close();
    await sink.close();
  }
}
