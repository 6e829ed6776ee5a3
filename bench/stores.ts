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
 *
 * Load comes from a separate process (load-child.ts), the baseline included. Every load is first
 * run unmeasured for `warmupMs` per replica (BENCH_WARMUP_MS, default 3 s; the review warm-up
 * approves requests created by the request warm-up), so each figure is the steady state of warm
 * servers, not their first seconds of compiling code and filling caches. Per replica: the warm-up
 * load is shared among the replicas, so two replicas warmed as long as one would each have served
 * half the calls and still be compiling code in the measured seconds (on PostgreSQL after 1 s,
 * about twice the replica CPU per gate check of a replica warmed twice as long). Each run also reads
 * every replica's `countersign_store_serialised_seconds_total` before and after: the time spent in
 * the one section that serialises the deployment (SQLite: write transactions; PostgreSQL: audit
 * integration batches), as a fraction of the request time of the run. With a serialised fraction
 * f, no number of replicas gets a deployment past about 1/f times the single-caller rate; the
 * section's utilisation (seconds per second) says how close this run came to that. On Linux it
 * also prints the CPU the replicas spent per request (from /proc): the cost a replica adds, which
 * on a machine with no spare core is what caps more replicas, not the serialised section.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INIT_CONFIG, initForLoad, runCli, startCliServer } from '../test/helpers/cli.js';
import { createTestDatabase } from '../test/helpers/replicas.js';
import type { BenchFigure } from './lib.js';
import { loadInChild, type LoadResult } from './load-child.js';

const CONFIG = INIT_CONFIG;

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
    await initForLoad(dir);
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
    const metrics = await key('prometheus', 'metrics:read');
    for (let i = 0; i < setup.replicas; i++) {
      servers.push(
        await startCliServer(['serve', '--config', CONFIG, '--log-level', 'warn'], {
          cwd: dir,
          env,
        }),
      );
    }
    return {
      bases: servers.map((s) => s.url),
      pids: servers.map((s) => s.child.pid ?? 0),
      ci,
      reviewer,
      metrics,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** CPU seconds (user + system, all threads) a process has used, from /proc; null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks (USER_HZ, 100 on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface Serialised {
  seconds: number;
  units: number;
}

/** Σ over replicas of the serialised-section counters. */
async function serialisedTotals(bases: string[], token: string): Promise<Serialised> {
  const total: Serialised = { seconds: 0, units: 0 };
  for (const base of bases) {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const read = (name: string) => {
      const m = new RegExp(`^countersign_store_serialised_${name}_total (\\S+)$`, 'm').exec(text);
      if (!m?.[1])
        throw new Error(`no serialised ${name} counter at ${base}/metrics (${res.status})`);
      return Number(m[1]);
    };
    total.seconds += read('seconds');
    total.units += read('units');
  }
  return total;
}

export async function benchStores(
  durationMs = 3000,
  concurrency = 32,
  warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 3000),
): Promise<BenchFigure[]> {
  const pgUrl = process.env.BENCH_PG_URL ?? process.env.COUNTERSIGN_TEST_PG_URL;
  const bare = await startBare();
  const figures: BenchFigure[] = [];
  const dbs: { drop: () => Promise<void> }[] = [];
  try {
    const bareLoad = (ms: number) =>
      loadInChild({
        bases: [bare.url],
        headers: {},
        calls: { kind: 'gate', run: 'bare' },
        concurrency,
        durationMs: ms,
      });
    if (warmupMs > 0) await bareLoad(warmupMs);
    const baseline = await bareLoad(durationMs);
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
        /** One load with the serialised seconds it cost, all replicas together. */
        const measured = async (
          calls: Parameters<typeof loadInChild>[0]['calls'],
          token: string,
        ): Promise<{ r: LoadResult; serialised: number; units: number; cpu: number | null }> => {
          const before = await serialisedTotals(d.bases, d.metrics);
          const cpuBefore = d.pids.map(cpuSeconds);
          const r = await loadInChild({
            bases: d.bases,
            headers: { authorization: `Bearer ${token}` },
            calls,
            concurrency,
            durationMs,
          });
          const cpuAfter = d.pids.map(cpuSeconds);
          const afterwards = await serialisedTotals(d.bases, d.metrics);
          const cpus = cpuAfter.map((a, i) => (a === null ? null : a - (cpuBefore[i] ?? a)));
          return {
            r,
            cpu: cpus.includes(null) ? null : cpus.reduce<number>((t, c) => t + (c ?? 0), 0),
            serialised: afterwards.seconds - before.seconds,
            units: afterwards.units - before.units,
          };
        };
        /**
         * The same load, unmeasured, `warmupMs` per replica: code compiled and caches filled on
         * every replica before the figure.
         */
        const warm = async (calls: Parameters<typeof loadInChild>[0]['calls'], token: string) =>
          warmupMs > 0 && (calls.kind !== 'review' || calls.ids.length > 0)
            ? (
                await loadInChild({
                  bases: d.bases,
                  headers: { authorization: `Bearer ${token}` },
                  calls,
                  concurrency,
                  durationMs: warmupMs * setup.replicas,
                })
              ).ok
            : 0;
        await warm({ kind: 'gate', run: `${run}, warm-up` }, d.ci);
        const gate = await measured({ kind: 'gate', run }, d.ci);
        const warmCreated = await warm({ kind: 'request', run: `${run}, warm-up` }, d.ci);
        const created = await measured({ kind: 'request', run }, d.ci);
        // the ids of every request just created: the oldest warm the review path up
        const ids = (
          await pendingIds(d.bases[0] ?? '', d.ci, warmCreated + created.r.ok)
        ).reverse();
        await warm({ kind: 'review', ids: ids.slice(0, warmCreated) }, d.reviewer);
        const review = await measured({ kind: 'review', ids: ids.slice(warmCreated) }, d.reviewer);
        for (const [path, { r, serialised, units, cpu }] of [
          ['gate (allowed, audited)', gate],
          ['request (create, audited)', created],
          ['review (approve → credential, audited)', review],
        ] as const) {
          const requestSeconds = (r.meanMs * r.rps * r.elapsedMs) / 1e6;
          figures.push(
            {
              name: `${setup.label}: ${path}: requests/s`,
              value: r.rps,
              unit: 'req/s',
              baseline: { name: 'bare Fastify POST route', value: baseline.rps, unit: 'req/s' },
              ratio: r.rps / baseline.rps,
              note: `load from ${r.generator}; statuses ${JSON.stringify(r.statuses)}`,
            },
            {
              name: `${setup.label}: ${path}: p99`,
              value: r.p99Ms,
              unit: 'ms',
              baseline: { name: 'bare Fastify POST route p99', value: baseline.p99Ms, unit: 'ms' },
              ratio: baseline.p99Ms / r.p99Ms,
            },
            ...(cpu === null || r.ok === 0
              ? []
              : [
                  {
                    name: `${setup.label}: ${path}: server CPU per request, all replicas`,
                    value: (cpu * 1e6) / (r.rps * (r.elapsedMs / 1000)),
                    unit: 'µs',
                    note: `${setup.replicas} replica${setup.replicas > 1 ? 's' : ''} used ${cpu.toFixed(2)} CPU s in ${(r.elapsedMs / 1000).toFixed(1)} s (${((100 * cpu * 1000) / r.elapsedMs).toFixed(0)} % of one core)`,
                  },
                ]),
            {
              name: `${setup.label}: ${path}: serialised section, share of request time`,
              value: requestSeconds > 0 ? (100 * serialised) / requestSeconds : 0,
              unit: '%',
              note: `${serialised.toFixed(3)} s serialised in ${(r.elapsedMs / 1000).toFixed(1)} s (utilisation ${((100 * serialised * 1000) / r.elapsedMs).toFixed(1)} %), ${units} units: ${Math.round(units / Math.max(serialised, 1e-9))} per serialised second`,
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
