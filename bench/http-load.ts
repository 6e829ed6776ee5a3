/** A small closed-loop HTTP load generator for loopback benchmarks (bounded by count and time). */
import { request, Agent } from 'node:http';
import { percentile } from './lib.js';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  statuses: Record<number, number>;
}

export async function runLoad(opts: {
  url: string;
  body: (i: number) => string;
  headers?: Record<string, string>;
  concurrency?: number;
  durationMs?: number;
  maxRequests?: number;
}): Promise<LoadResult> {
  const u = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 16 });
  const deadline = performance.now() + (opts.durationMs ?? 3000);
  const max = opts.maxRequests ?? 200_000;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  let errors = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const payload = opts.body(i);
      const started = performance.now();
      const req = request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...opts.headers,
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.on('timeout', () => req.destroy());
      req.end(payload);
    });
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline && issued < max) await one(issued++);
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length / elapsed) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    statuses,
  };
}
