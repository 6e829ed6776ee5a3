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
 * about twice the replica CPU per gate check of a replica warmed twice as long).
 *
 * The setups are deployed together and the gate is measured BENCH_GATE_ROUNDS times (default 3)
 * per setup, in turns (SQLite, PostgreSQL 1, PostgreSQL 2, SQLite, …); its figures are the
 * rounds' medians. A small machine runs faster and slower for spells of a minute or so, and in
 * turns such a spell falls on every setup alike, so the comparison of two replicas with one (a
 * figure of its own, with the ratio of each round) is not decided by which ran first.
 *
 * Each run also reads every replica's `countersign_store_serialised_seconds_total` before and after: the time spent in
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

/** One measured load, with the serialised seconds and units and the replicas' CPU it cost. */
interface Measured {
  r: LoadResult;
  serialised: number;
  units: number;
  cpu: number | null;
}

type Deployed = Awaited<ReturnType<typeof deploy>>;
type Calls = Parameters<typeof loadInChild>[0]['calls'];

/** Gate loads per setup, taken in turns across the setups (see the file comment). */
const GATE_ROUNDS = Math.max(1, Number(process.env.BENCH_GATE_ROUNDS ?? 3));

export async function benchStores(
  durationMs = 3000,
  concurrency = 32,
  warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 3000),
): Promise<BenchFigure[]> {
  const pgUrl = process.env.BENCH_PG_URL ?? process.env.COUNTERSIGN_TEST_PG_URL;
  const bare = await startBare();
  const figures: BenchFigure[] = [];
  const dbs: { drop: () => Promise<void> }[] = [];
  const deployed: { setup: Setup; d: Deployed; run: string }[] = [];
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
      deployed.push({ setup, d: await deploy(setup), run: `${setup.label}, ${Date.now()}` });
    }
    /** One load with the serialised seconds and the CPU it cost, all replicas together. */
    const measured = async (d: Deployed, calls: Calls, token: string): Promise<Measured> => {
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
    const warm = async (setup: Setup, d: Deployed, calls: Calls, token: string) =>
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

    // the gate: every setup warmed, then measured in turns, so that a slower or faster spell of
    // the machine falls on every setup alike rather than on whichever ran then
    for (const { setup, d, run } of deployed) {
      await warm(setup, d, { kind: 'gate', run: `${run}, warm-up` }, d.ci);
    }
    const gateRounds: Measured[][] = deployed.map(() => []);
    for (let round = 0; round < GATE_ROUNDS; round++) {
      for (const [i, { d, run }] of deployed.entries()) {
        gateRounds[i]?.push(
          await measured(d, { kind: 'gate', run: `${run}, round ${round}` }, d.ci),
        );
      }
    }

    for (const [i, { setup, d, run }] of deployed.entries()) {
      const warmCreated = await warm(setup, d, { kind: 'request', run: `${run}, warm-up` }, d.ci);
      const created = await measured(d, { kind: 'request', run }, d.ci);
      // the ids of every request just created: the oldest warm the review path up
      const ids = (await pendingIds(d.bases[0] ?? '', d.ci, warmCreated + created.r.ok)).reverse();
      await warm(setup, d, { kind: 'review', ids: ids.slice(0, warmCreated) }, d.reviewer);
      const review = await measured(d, { kind: 'review', ids: ids.slice(warmCreated) }, d.reviewer);
      figures.push(
        ...pathFigures(setup, 'gate (allowed, audited)', gateRounds[i] ?? [], baseline),
        ...pathFigures(setup, 'request (create, audited)', [created], baseline),
        ...pathFigures(setup, 'review (approve → credential, audited)', [review], baseline),
      );
    }
    const one = deployed.findIndex((x) => x.setup.storeUrl !== null && x.setup.replicas === 1);
    const two = deployed.findIndex((x) => x.setup.storeUrl !== null && x.setup.replicas === 2);
    const oneRounds = gateRounds[one];
    const twoRounds = gateRounds[two];
    if (oneRounds && twoRounds) {
      const rps = (rounds: Measured[]) => rounds.map((m) => m.r.rps);
      figures.push({
        name: 'PostgreSQL, 2 replicas vs 1: gate (allowed, audited): requests/s',
        value: median(rps(twoRounds)),
        unit: 'req/s',
        baseline: { name: 'PostgreSQL, 1 replica', value: median(rps(oneRounds)), unit: 'req/s' },
        ratio: median(rps(twoRounds)) / median(rps(oneRounds)),
        note: `medians of ${GATE_ROUNDS} rounds taken in turns; ratio of each round: ${twoRounds
          .map((m, k) => (m.r.rps / (oneRounds[k]?.r.rps ?? NaN)).toFixed(2))
          .join(', ')}`,
      });
    }
  } finally {
    await Promise.all(deployed.map(({ d }) => d.stop()));
    bare.stop();
    for (const db of dbs) await db.drop();
  }
  return figures;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * The figures of one path of one setup from its measured loads (one, or the gate's rounds):
 * requests/s and p99 are the rounds' medians; CPU per request and the serialised share are of
 * all rounds together.
 */
function pathFigures(
  setup: Setup,
  path: string,
  rounds: readonly Measured[],
  baseline: LoadResult,
): BenchFigure[] {
  const rps = median(rounds.map((m) => m.r.rps));
  const p99 = median(rounds.map((m) => m.r.p99Ms));
  const elapsedS = rounds.reduce((t, m) => t + m.r.elapsedMs / 1000, 0);
  const requests = rounds.reduce((t, m) => t + m.r.rps * (m.r.elapsedMs / 1000), 0);
  const ok = rounds.reduce((t, m) => t + m.r.ok, 0);
  const requestSeconds = rounds.reduce(
    (t, m) => t + (m.r.meanMs * m.r.rps * m.r.elapsedMs) / 1e6,
    0,
  );
  const serialised = rounds.reduce((t, m) => t + m.serialised, 0);
  const units = rounds.reduce((t, m) => t + m.units, 0);
  const cpus = rounds.map((m) => m.cpu);
  const cpu = cpus.includes(null) ? null : cpus.reduce<number>((t, c) => t + (c ?? 0), 0);
  const statuses: Record<number, number> = {};
  for (const m of rounds) {
    for (const [code, n] of Object.entries(m.r.statuses)) {
      statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n;
    }
  }
  const each =
    rounds.length > 1
      ? `; median of ${rounds.length} rounds: ${rounds.map((m) => Math.round(m.r.rps)).join(', ')}`
      : '';
  return [
    {
      name: `${setup.label}: ${path}: requests/s`,
      value: rps,
      unit: 'req/s',
      baseline: { name: 'bare Fastify POST route', value: baseline.rps, unit: 'req/s' },
      ratio: rps / baseline.rps,
      note: `load from ${rounds[0]?.r.generator ?? '?'}; statuses ${JSON.stringify(statuses)}${each}`,
    },
    {
      name: `${setup.label}: ${path}: p99`,
      value: p99,
      unit: 'ms',
      baseline: { name: 'bare Fastify POST route p99', value: baseline.p99Ms, unit: 'ms' },
      ratio: baseline.p99Ms / p99,
    },
    ...(cpu === null || ok === 0
      ? []
      : [
          {
            name: `${setup.label}: ${path}: server CPU per request, all replicas`,
            value: (cpu * 1e6) / requests,
            unit: 'µs',
            note: `${setup.replicas} replica${setup.replicas > 1 ? 's' : ''} used ${cpu.toFixed(2)} CPU s in ${elapsedS.toFixed(1)} s (${((100 * cpu) / elapsedS).toFixed(0)} % of one core)`,
          },
        ]),
    {
      name: `${setup.label}: ${path}: serialised section, share of request time`,
      value: requestSeconds > 0 ? (100 * serialised) / requestSeconds : 0,
      unit: '%',
      note: `${serialised.toFixed(3)} s serialised in ${elapsedS.toFixed(1)} s (utilisation ${((100 * serialised) / elapsedS).toFixed(1)} %), ${units} units: ${Math.round(units / Math.max(serialised, 1e-9))} per serialised second`,
    },
  ];
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
