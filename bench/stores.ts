/**
 * The gate and review paths over HTTP against real `countersign serve` processes: SQLite (one
 * replica) vs PostgreSQL with one and two replicas on one database, each figure beside a bare
 * Fastify route (in its own process, loaded the same way in the same run). PostgreSQL figures
 * need BENCH_PG_URL or COUNTERSIGN_TEST_PG_URL (a fresh database is created and dropped).
 *
 * Paths: `gate` = POST /v1/gate of an allowed action (one transaction + audit append);
 * `request` = POST /v1/approvals (decision + request + audit + outbox); `review` = POST
 * /v1/approvals/:id/approve completing the quorum (conditional update + signed credential +
 * audit). The mutation rate limit is raised in the config for the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCliServer } from '../test/helpers/cli.js';
import { createTestDatabase, devDeploy, stagingDeploy } from '../test/helpers/replicas.js';
import { percentile, type BenchFigure } from './lib.js';

const CONFIG = '.countersign/countersign.yaml';

interface Call {
  path: string;
  body: string;
}

interface Load {
  rps: number;
  p99Ms: number;
  ok: number;
  statuses: Record<number, number>;
}

/**
 * Closed loop: `concurrency` callers spread round-robin over `bases`, each taking the next call
 * from `next` until it returns null or the time is up.
 */
async function load(opts: {
  bases: string[];
  headers: Record<string, string>;
  next: (i: number) => Call | null;
  concurrency: number;
  durationMs: number;
}): Promise<Load> {
  const agents = opts.bases.map(
    () =>
      new Agent({ keepAlive: true, maxSockets: Math.ceil(opts.concurrency / opts.bases.length) }),
  );
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const send = (worker: number, call: Call) =>
    new Promise<void>((resolve) => {
      const which = worker % opts.bases.length;
      const u = new URL(opts.bases[which] ?? '');
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
            ...opts.headers,
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
    Array.from({ length: opts.concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const call = opts.next(issued++);
        if (!call) return;
        await send(worker, call);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99Ms: percentile(latencies, 99), ok, statuses };
}

/** A bare Fastify POST route in its own process: what one Node process does with no work. */
async function startBare(): Promise<{ url: string; stop: () => void }> {
  const code = `
    const Fastify = (await import('fastify')).default;
    const app = Fastify();
    app.post('/*', async () => ({ allowed: true }));
    console.log('listening on ' + await app.listen({ host: '127.0.0.1', port: 0 }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`bare server exited with ${c}`)));
  });
  return { url, stop: () => child.kill('SIGKILL') };
}

interface Setup {
  label: string;
  storeUrl: string | null;
  replicas: number;
}

/** init, raise the rate limit, keys created on the store, N servers on it. */
async function deploy(setup: Setup) {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-stores-'));
  const env: Record<string, string> = setup.storeUrl
    ? { COUNTERSIGN_STORE_URL: setup.storeUrl }
    : {};
  const servers: Awaited<ReturnType<typeof startCliServer>>[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const init = await runCli(['init', '--json'], { cwd: dir });
    if (init.code !== 0) throw new Error(init.stderr);
    const file = join(dir, CONFIG);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '  bodyLimit: 1MiB\n',
        '  bodyLimit: 1MiB\n  rateLimit: { mutations: 1000000, authFailures: 100000 }\n',
      ),
    );
    const key = async (name: string, scopes: string, groups?: string) => {
      const r = await runCli(
        [
          'apikey',
          'create',
          '--config',
          CONFIG,
          '--name',
          name,
          '--scopes',
          scopes,
          ...(groups ? ['--groups', groups] : []),
        ],
        { cwd: dir, env },
      );
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout.trim();
    };
    const ci = await key('ci', 'approvals:request,gate:check');
    const reviewer = await key('reviewer', 'approvals:review', 'release-managers');
    for (let i = 0; i < setup.replicas; i++) {
      servers.push(
        await startCliServer(['serve', '--config', CONFIG, '--log-level', 'warn'], {
          cwd: dir,
          env,
        }),
      );
    }
    return { bases: servers.map((s) => s.url), ci, reviewer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function benchStores(durationMs = 3000, concurrency = 32): Promise<BenchFigure[]> {
  const pgUrl = process.env.BENCH_PG_URL ?? process.env.COUNTERSIGN_TEST_PG_URL;
  const bare = await startBare();
  const figures: BenchFigure[] = [];
  const dbs: { drop: () => Promise<void> }[] = [];
  try {
    const baseline = await load({
      bases: [bare.url],
      headers: {},
      next: () => ({ path: '/v1/gate', body: JSON.stringify({ action: devDeploy('bare') }) }),
      concurrency,
      durationMs,
    });
    const setups: Setup[] = [{ label: 'SQLite, 1 replica', storeUrl: null, replicas: 1 }];
    if (pgUrl) {
      for (const replicas of [1, 2]) {
        const db = await createTestDatabase(pgUrl);
        dbs.push(db);
        setups.push({
          label: `PostgreSQL, ${replicas} replica${replicas > 1 ? 's' : ''}`,
          storeUrl: db.url,
          replicas,
        });
      }
    } else {
      console.log('note: BENCH_PG_URL / COUNTERSIGN_TEST_PG_URL unset: PostgreSQL figures skipped');
    }
    for (const setup of setups) {
      const d = await deploy(setup);
      try {
        const run = `${setup.label}, ${Date.now()}`;
        const gate = await load({
          bases: d.bases,
          headers: { authorization: `Bearer ${d.ci}` },
          next: (i) => ({
            path: '/v1/gate',
            body: JSON.stringify({ action: devDeploy(`${run}:${i}`) }),
          }),
          concurrency,
          durationMs,
        });
        const ids: string[] = [];
        const created = await load({
          bases: d.bases,
          headers: { authorization: `Bearer ${d.ci}` },
          next: (i) => ({
            path: '/v1/approvals',
            body: JSON.stringify({ action: stagingDeploy(`${run}:${i}`) }),
          }),
          concurrency,
          durationMs,
        });
        // the ids of the requests just created, for the review run
        ids.push(...(await pendingIds(d.bases[0] ?? '', d.ci, created.ok)));
        const review = await load({
          bases: d.bases,
          headers: { authorization: `Bearer ${d.reviewer}` },
          next: (i) => {
            const id = ids[i];
            return id ? { path: `/v1/approvals/${id}/approve`, body: '{"reason":"bench"}' } : null;
          },
          concurrency,
          durationMs,
        });
        for (const [path, r] of [
          ['gate (allowed, audited)', gate],
          ['request (create, audited)', created],
          ['review (approve → credential, audited)', review],
        ] as const) {
          figures.push(
            {
              name: `${setup.label}: ${path}: requests/s`,
              value: r.rps,
              unit: 'req/s',
              baseline: { name: 'bare Fastify POST route', value: baseline.rps, unit: 'req/s' },
              ratio: r.rps / baseline.rps,
              note: `statuses ${JSON.stringify(r.statuses)}`,
            },
            {
              name: `${setup.label}: ${path}: p99`,
              value: r.p99Ms,
              unit: 'ms',
              baseline: { name: 'bare Fastify POST route p99', value: baseline.p99Ms, unit: 'ms' },
              ratio: baseline.p99Ms / r.p99Ms,
            },
          );
        }
      } finally {
        await d.stop();
      }
    }
  } finally {
    bare.stop();
    for (const db of dbs) await db.drop();
  }
  return figures;
}

/** Ids of pending requests, newest first, at most `n` (list pages of 200). */
async function pendingIds(base: string, token: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  while (ids.length < n) {
    const res = await fetch(
      `${base}/v1/approvals?state=pending&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return ids.slice(0, n);
}
