/**
 * The HTTP load generator of the benchmarks, run as its own process so that generating load
 * never shares a CPU thread with the server it measures or with the bench's bookkeeping. The
 * parent writes a JSON spec to its stdin; the result is one JSON line on stdout.
 *
 * Closed loop: `concurrency` callers spread round-robin over `bases`, each sending the next call
 * until the calls run out or the time is up.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { devDeploy, stagingDeploy } from '../test/helpers/replicas.js';
import { percentile } from './lib.js';

export type CallSpec =
  | { kind: 'fixed'; path: string; body: string }
  | { kind: 'gate'; run: string }
  | { kind: 'request'; run: string }
  | { kind: 'review'; ids: string[] };

export interface LoadSpec {
  bases: string[];
  headers: Record<string, string>;
  calls: CallSpec;
  concurrency: number;
  durationMs: number;
}

export interface LoadResult {
  rps: number;
  p99Ms: number;
  meanMs: number;
  elapsedMs: number;
  ok: number;
  statuses: Record<number, number>;
}

function callOf(spec: CallSpec, i: number): { path: string; body: string } | null {
  switch (spec.kind) {
    case 'fixed':
      return { path: spec.path, body: spec.body };
    case 'gate':
      return { path: '/v1/gate', body: JSON.stringify({ action: devDeploy(`${spec.run}:${i}`) }) };
    case 'request':
      return {
        path: '/v1/approvals',
        body: JSON.stringify({ action: stagingDeploy(`${spec.run}:${i}`) }),
      };
    case 'review': {
      const id = spec.ids[i];
      return id ? { path: `/v1/approvals/${id}/approve`, body: '{"reason":"bench"}' } : null;
    }
  }
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const agents = spec.bases.map(
    () =>
      new Agent({ keepAlive: true, maxSockets: Math.ceil(spec.concurrency / spec.bases.length) }),
  );
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const send = (worker: number, call: { path: string; body: string }) =>
    new Promise<void>((resolve) => {
      const which = worker % spec.bases.length;
      const u = new URL(spec.bases[which] ?? '');
      const t0 = performance.now();
      const req = request(
        {
          agent: agents[which],
          host: u.hostname,
          port: u.port,
          path: call.path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(call.body),
            ...spec.headers,
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t0);
            const s = res.statusCode ?? 0;
            statuses[s] = (statuses[s] ?? 0) + 1;
            if (s >= 200 && s < 300) ok++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        statuses[0] = (statuses[0] ?? 0) + 1;
        resolve();
      });
      req.on('timeout', () => req.destroy());
      req.end(call.body);
    });
  await Promise.all(
    Array.from({ length: spec.concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const call = callOf(spec.calls, issued++);
        if (!call) return;
        await send(worker, call);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  const total = latencies.reduce((s, x) => s + x, 0);
  return {
    rps: (latencies.length / elapsedMs) * 1000,
    p99Ms: percentile(latencies, 99),
    meanMs: latencies.length ? total / latencies.length : 0,
    elapsedMs,
    ok,
    statuses,
  };
}

/** Runs one load in a fresh child process and returns its result. */
export function loadInChild(spec: LoadSpec): Promise<LoadResult> {
  // the spec goes over stdin: a review run's ids can be more than an argument list may hold
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(spec));
  return new Promise<LoadResult>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const spec = JSON.parse(text) as LoadSpec;
  process.stdout.write(`${JSON.stringify(await load(spec))}\n`);
}
