/**
 * The HTTP load of the benchmarks, always from processes of its own, so that generating load never
 * shares a CPU thread with the server it measures or with the bench's bookkeeping.
 *
 * wrk when it is installed (`apt-get install wrk`): one process per server, the calls built by
 * `wrk-calls.lua`. It spends about a quarter of the CPU per request that a Node.js generator does,
 * which on a small machine is CPU the servers get back. Without it, autocannon in a Node.js child
 * process (the parent writes a JSON spec to its stdin; the result is one JSON line on stdout).
 *
 * Closed loop: `concurrency` connections spread evenly over `bases`, each sending the next call as
 * soon as its last one is answered, until the calls run out or the time is up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fileURLToPath } from 'node:url';
import { devDeploy, stagingDeploy } from '../test/helpers/replicas.js';

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
  /** What generated the load. */
  generator: 'wrk' | 'autocannon';
  rps: number;
  p99Ms: number;
  meanMs: number;
  elapsedMs: number;
  ok: number;
  statuses: Record<number, number>;
}

/** A call with "{n}" where the number that makes it unique goes (a review names its id instead). */
function templateOf(spec: Exclude<CallSpec, { kind: 'review' }>): { path: string; body: string } {
  switch (spec.kind) {
    case 'fixed':
      return { path: spec.path, body: spec.body };
    case 'gate':
      return { path: '/v1/gate', body: JSON.stringify({ action: devDeploy(`${spec.run}:{n}`) }) };
    case 'request':
      return {
        path: '/v1/approvals',
        body: JSON.stringify({ action: stagingDeploy(`${spec.run}:{n}`) }),
      };
  }
}

const REVIEW_PATH = '/v1/approvals/{id}/approve';
const REVIEW_BODY = '{"reason":"bench"}';

function callOf(spec: CallSpec, i: number): { path: string; body: string } | null {
  if (spec.kind !== 'review') {
    const t = templateOf(spec);
    return { path: t.path, body: t.body.replaceAll('{n}', String(i)) };
  }
  const id = spec.ids[i];
  return id ? { path: REVIEW_PATH.replace('{id}', id), body: REVIEW_BODY } : null;
}

/**
 * autocannon (the field's HTTP load generator, on raw sockets and a prebuilt request): each call
 * is set up as it is sent, so every gate or create call carries its own action and every review
 * its own request id. A review run stops when the ids run out.
 */
async function load(spec: LoadSpec): Promise<LoadResult> {
  let issued = 0;
  const connections = Math.max(spec.bases.length, spec.concurrency);
  const result = await autocannon({
    // several URLs share the connections round-robin (autocannon's README; its types say string)
    url: spec.bases as unknown as string,
    connections: connections - (connections % spec.bases.length),
    duration: spec.durationMs / 1000,
    ...(spec.calls.kind === 'review' ? { amount: spec.calls.ids.length } : {}),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    timeout: 10,
    requests: [
      {
        setupRequest: (req) => {
          const call = callOf(spec.calls, issued++);
          // only a review run runs out of calls, and its `amount` ends it first
          if (!call) return req;
          req.path = call.path;
          req.body = call.body;
          return req;
        },
      },
    ],
  });
  const statuses: Record<number, number> = {};
  let done = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[Number(code)] = Number(count);
    done += Number(count);
  }
  if (result.errors > 0) statuses[0] = result.errors;
  const elapsedMs = result.finish.getTime() - result.start.getTime();
  return {
    generator: 'autocannon',
    rps: (done / elapsedMs) * 1000,
    p99Ms: result.latency.p99,
    meanMs: result.latency.average,
    elapsedMs,
    ok: result['2xx'],
    statuses,
  };
}

/**
 * Runs one load: with wrk when it is installed, else (or with BENCH_LOAD=autocannon) autocannon in
 * a fresh child process.
 */
export function loadInChild(spec: LoadSpec): Promise<LoadResult> {
  const useWrk = process.env.BENCH_LOAD !== 'autocannon' && wrkInstalled();
  return useWrk ? loadWithWrk(spec) : loadWithAutocannon(spec);
}

let hasWrk: boolean | undefined;
function wrkInstalled(): boolean {
  hasWrk ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  return hasWrk;
}

const WRK_SCRIPT = fileURLToPath(new URL('../../bench/wrk-calls.lua', import.meta.url));

/** One thread per wrk process: one process per server already spreads the load. */
const WRK_THREADS = 1;

interface WrkOutput {
  requests: number;
  durationUs: number;
  meanUs: number;
  p99Us: number;
  socketErrors: number;
  statuses: Record<string, number>;
}

/** One wrk process per base, `concurrency / bases` connections each, all at once. */
async function loadWithWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-wrk-'));
  try {
    const each = Math.max(1, Math.floor(spec.concurrency / spec.bases.length));
    const seconds = Math.max(1, Math.round(spec.durationMs / 1000));
    const outputs = await Promise.all(
      spec.bases.map((base, b) => {
        const file = join(dir, `calls-${b}`);
        let args: string[];
        if (spec.calls.kind === 'review') {
          // every base reviews its own share of the ids
          const ids = spec.calls.ids.filter((_, i) => i % spec.bases.length === b);
          writeFileSync(file, ids.join('\n'));
          args = ['ids', REVIEW_PATH, file];
        } else {
          const t = templateOf(spec.calls);
          writeFileSync(file, t.body);
          args = ['template', t.path, file];
        }
        return runWrk([
          `-t${WRK_THREADS}`,
          `-c${each}`,
          `-d${seconds}s`,
          '--timeout',
          '10s',
          ...Object.entries(spec.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
          '-s',
          WRK_SCRIPT,
          base,
          '--',
          ...args,
          `p${b}`,
          String(WRK_THREADS),
        ]);
      }),
    );
    const statuses: Record<number, number> = {};
    let requests = 0;
    let latencyUs = 0;
    let ok = 0;
    for (const o of outputs) {
      for (const [code, count] of Object.entries(o.statuses)) {
        statuses[Number(code)] = (statuses[Number(code)] ?? 0) + count;
        if (Number(code) >= 200 && Number(code) < 300) ok += count;
      }
      if (o.socketErrors > 0) statuses[0] = (statuses[0] ?? 0) + o.socketErrors;
      requests += o.requests;
      latencyUs += o.meanUs * o.requests;
    }
    const elapsedMs = Math.max(...outputs.map((o) => o.durationUs)) / 1000;
    return {
      generator: 'wrk',
      rps: (requests / elapsedMs) * 1000,
      // the slowest server's p99: no better than any of them
      p99Ms: Math.max(...outputs.map((o) => o.p99Us)) / 1000,
      meanMs: requests > 0 ? latencyUs / requests / 1000 : 0,
      elapsedMs,
      ok,
      statuses,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWrk(args: string[]): Promise<WrkOutput> {
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise<WrkOutput>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': the process can exit before its stdout has all been read
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
      if (code !== 0 || !line) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      resolve(JSON.parse(line) as WrkOutput);
    });
  });
}

/** autocannon in a fresh child process. */
function loadWithAutocannon(spec: LoadSpec): Promise<LoadResult> {
  // the spec goes over stdin: a review run's ids can be more than an argument list may hold
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(spec));
  return new Promise<LoadResult>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
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
