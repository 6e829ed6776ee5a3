/**
 * Several real `countersign serve` processes on loopback sharing one PostgreSQL database (created
 * fresh per test file on the server of COUNTERSIGN_TEST_PG_URL and dropped afterwards) and one
 * keys dir: the deployment of docs/deployment.md, in miniature.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { runCli, startCliServer } from './cli.js';

export const CONFIG = '.countersign/countersign.yaml';

export type Replica = Awaited<ReturnType<typeof startCliServer>>;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database with the store's schema migrated in (and no store left open on it). */
export async function createMigratedDatabase(baseUrl: string): Promise<TestDatabase> {
  const db = await createTestDatabase(baseUrl);
  const store = new PostgresStore({ url: db.url });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return db;
}

/** `CREATE DATABASE cs_rep_<random>` on the server of `baseUrl`. */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `cs_rep_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        // FORCE: a killed replica's sessions may still be on their way out
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface Deployment {
  dir: string;
  db: TestDatabase;
  /** Environment every process of this deployment runs with. */
  env: Record<string, string>;
  replicas: Replica[];
  tokens: Record<string, string>;
  /** One HTTP call to replica `i` (modulo the count) as `who`. */
  call(
    i: number,
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A pool on the deployment's database, for checks straight on the store. */
  sql: pg.Pool;
  close(): Promise<void>;
}

export interface DeploymentOptions {
  baseUrl: string;
  replicas: number;
  /** Extra environment for the servers (e.g. the webhook provider's URL and secret). */
  env?: Record<string, string>;
  /** Rewrites the starter countersign.yaml before the servers start. */
  editConfig?: (text: string) => string;
  /** API keys to create: name → [scopes, groups]. */
  keys: Record<string, [string, string]>;
}

export const WEBHOOK_PROVIDER_CONFIG = (text: string): string =>
  text.replace(
    '  # providers:\n',
    '  providers:\n    webhook: { urlEnv: COUNTERSIGN_WEBHOOK_URL, secretEnv: COUNTERSIGN_WEBHOOK_SECRET }\n',
  );

/**
 * init in a temp dir, a fresh database, `countersign migrate --db` on it, API keys created
 * straight on it, then N servers sharing it and the keys dir.
 */
export async function startDeployment(opts: DeploymentOptions): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-replicas-'));
  const db = await createTestDatabase(opts.baseUrl);
  const sql = new pg.Pool({ connectionString: db.url, max: 4 });
  const replicas: Replica[] = [];
  const env: Record<string, string> = { COUNTERSIGN_STORE_URL: db.url, ...opts.env };
  const close = async () => {
    // a replica a test killed has exited already: stop() would wait for a close that came
    const running = replicas.filter(
      (r) => r.child.exitCode === null && r.child.signalCode === null,
    );
    await Promise.all(running.map((r) => r.stop()));
    await sql.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const init = await runCli(['init', '--json'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const file = join(dir, CONFIG);
    const text = readFileSync(file, 'utf8');
    const edited = opts.editConfig ? opts.editConfig(text) : text;
    if (opts.editConfig) assert.notEqual(edited, text, 'the config edit changed nothing');
    writeFileSync(file, edited);
    const migrate = await runCli(['migrate', '--db', db.url], { cwd: dir });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /up to date \(postgres\)/);
    const tokens: Record<string, string> = {};
    for (const [name, [scopes, groups]] of Object.entries(opts.keys)) {
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
      assert.equal(r.code, 0, r.stderr);
      tokens[name] = r.stdout.trim();
    }
    const started = await Promise.all(
      Array.from({ length: opts.replicas }, () =>
        startCliServer(['serve', '--config', CONFIG], { cwd: dir, env }),
      ),
    );
    replicas.push(...started);
    const call: Deployment['call'] = async (i, who, method, path, body) => {
      const r = replicas[i % replicas.length];
      assert.ok(r);
      const res = await fetch(`${r.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[who] ?? ''}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // a bound for a hung replica, not a speed check (long-polls in tests ask for up to 60 s)
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    };
    return { dir, db, env, replicas, tokens, call, sql, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A staging deploy: one approver from release-managers (the starter policy). */
export function stagingDeploy(image: string): Record<string, unknown> {
  return {
    kind: 'deploy',
    environment: 'staging',
    project: 'checkout',
    spec: { pipeline: 'checkout-web', image, replicas: 2 },
    target: 'k8s/staging/checkout',
    reason: `release ${image}`,
  };
}

/** A dev deploy: allowed without approval (the starter policy). */
export function devDeploy(image: string): Record<string, unknown> {
  return {
    kind: 'deploy',
    environment: 'dev',
    project: 'checkout',
    spec: { pipeline: 'checkout-web', image, replicas: 1 },
    target: 'k8s/dev/checkout',
  };
}

/**
 * Waits until every audit event committed so far is integrated into the log (integrating them
 * if no replica has yet), so that rows read straight from `audit_events` are complete.
 */
export async function integrateAudit(url: string): Promise<void> {
  const store = new PostgresStore({ url, pool: { max: 1 } });
  try {
    await store.integrateAudit();
  } finally {
    await store.close();
  }
}

/** Audit event types recorded for one request, straight from the store. */
export async function auditTypesOf(sql: pg.Pool, approvalId: string): Promise<string[]> {
  const { rows } = await sql.query<{ type: string }>(
    'SELECT type FROM audit_events WHERE approval_id = $1 ORDER BY idx',
    [approvalId],
  );
  return rows.map((r) => r.type);
}

/** Polls `check` every 100 ms until it returns true or `ms` passes. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
