import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { buildApp } from '../../src/http/app.js';
import { createAuthenticator } from '../../src/identity/authenticate.js';
import { createSessionCodec } from '../../src/identity/console-session.js';
import type { GithubWebhookDeps } from '../../src/integrations/github/webhook-handler.js';
import type { SlackInteractions } from '../../src/services/slack-interactions.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { REPO_ROOT, repoPath } from '../helpers/paths.js';

/** The OpenAPI document is what generated clients are built from: every operation is named. */
let h: Harness;
let app: FastifyInstance;
let dir: string;
before(async () => {
  h = await createHarness();
  dir = mkdtempSync(join(tmpdir(), 'countersign-openapi-'));
  // routes served only when configured (console sign-in, Slack, GitHub) are registered too, so
  // the document checked here is the whole API; their handlers are never called in this file
  const unused = async (): Promise<never> => {
    throw new Error('not called: registered only to be described');
  };
  app = await buildApp({
    services: h.services,
    authenticator: createAuthenticator({
      store: h.store,
      oidc: null,
      devMode: false,
      nowIso: () => new Date(h.clock.now()).toISOString(),
    }),
    store: h.store,
    devMode: false,
    bodyLimit: 64 * 1024,
    logger: false,
    version: 'test',
    publicUrl: 'https://countersign.example.test',
    auditOrigin: 'countersign.test/audit',
    jwks: () => h.keyRing.publicJwks(),
    notifications: { bus: h.bus, clock: h.clock },
    console: {
      config: {
        issuer: 'https://idp.example.test',
        clientId: 'countersign-console',
        clientSecretEnv: null,
        redirectUri: 'https://countersign.example.test/console/callback',
        scopes: ['openid'],
        sessionTtlMs: 3_600_000,
      },
      clientSecret: undefined,
      verifier: { verify: unused },
      sessions: createSessionCodec({
        secret: new Uint8Array(32),
        clock: h.clock,
        ttlMs: 3_600_000,
        rbac: { scopes: {}, groupMappings: {}, repositoryPermissions: [] },
      }),
    },
    slackInteractions: { handle: unused } as unknown as SlackInteractions,
    githubWebhook: {} as GithubWebhookDeps,
  });
});
after(async () => {
  await app.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

type Operation = { operationId?: string; summary?: string };

test('every route of the whole API compiles its validators and serializers at start', async () => {
  // the server's default (compileSchemas: at-start): a schema that cannot compile fails here,
  // not at the first request of a route no other test calls
  await assert.doesNotReject(async () => {
    await app.ready();
  });
});

test('every operation has a unique operationId and a summary, and the document names its server', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    servers?: { url: string }[];
    paths: Record<string, Record<string, Operation>>;
  };
  assert.deepEqual(
    doc.servers?.map((s) => s.url),
    ['https://countersign.example.test'],
  );
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ at: `${method} ${path}`, ...op })),
  );
  // the notification routes are there too (long-poll, streams, deliver)
  for (const at of [
    'get /v1/approvals/{id}/wait',
    'get /v1/approvals/{id}/events',
    'post /v1/approvals/{id}/deliver',
  ]) {
    assert.ok(
      ops.some((o) => o.at === at),
      at,
    );
  }
  assert.deepEqual(
    ops.filter((o) => !o.operationId || !o.summary).map((o) => o.at),
    [],
    'operations without operationId or summary',
  );
  const ids = ops.map((o) => o.operationId);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    'duplicate operationIds',
  );
});

type Doc = { paths: Record<string, Record<string, Operation>> };
const documentNow = async (): Promise<Doc> =>
  (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
const operationIds = (doc: Doc): (string | undefined)[] =>
  Object.values(doc.paths).flatMap((byMethod) =>
    Object.values(byMethod).map((op) => op.operationId),
  );

/** Runs a command with a deadline; resolves with its exit code and output. */
function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The warnings `redocly lint` may still give, each for a reason (docs/client.md): liveness,
 * readiness and the public keys have no 4xx answer, and console sign-in only redirects.
 */
const KNOWN_WARNINGS = [
  'operation-4xx-response #/paths/~1healthz/get/responses',
  'operation-4xx-response #/paths/~1readyz/get/responses',
  'operation-4xx-response #/paths/~1.well-known~1jwks.json/get/responses',
  'operation-2xx-response #/paths/~1console~1login/get/responses',
  'operation-2xx-response #/paths/~1console~1callback/get/responses',
];

test('the document passes redocly lint (recommended rules, redocly.yaml) with no error', async () => {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(await documentNow()));
  const out = await run(
    process.execPath,
    [
      repoPath('node_modules/.bin/redocly'),
      'lint',
      file,
      '--format=json',
      '--config',
      repoPath('redocly.yaml'),
    ],
    { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    60_000,
  );
  let report: {
    totals: { errors: number; warnings: number };
    problems: {
      ruleId: string;
      severity: string;
      message: string;
      location: { pointer: string }[];
    }[];
  };
  try {
    report = JSON.parse(out.stdout) as typeof report;
  } catch {
    assert.fail(`redocly lint gave no JSON report (exit ${out.code}): ${out.stderr.slice(-2000)}`);
  }
  const found = report.problems.map(
    (p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`,
  );
  assert.equal(report.totals.errors, 0, found.join('\n'));
  assert.equal(out.code, 0, out.stderr.slice(-2000));
  assert.deepEqual(
    report.problems
      .map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`)
      .filter((w) => !KNOWN_WARNINGS.includes(w)),
    [],
    'warnings not listed (and explained) in KNOWN_WARNINGS',
  );
});

test('a client generated from the document (openapi-typescript) has every operation and type-checks strictly', async () => {
  const doc = await documentNow();
  const ids = operationIds(doc);
  assert.ok(ids.length > 30, `only ${ids.length} operations`);
  assert.ok(
    ids.every((id) => id !== undefined),
    'an operation without operationId is left out of `operations`',
  );
  const source = astToString(await openapiTS(doc as unknown as OpenAPI3));
  const file = join(dir, 'api.d.ts');
  writeFileSync(file, source);

  // the generated `operations` interface, read with the compiler: one member per operationId
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022);
  const operations = parsed.statements.find(
    (st): st is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(st) && st.name.text === 'operations',
  );
  assert.ok(operations, 'no `operations` interface');
  const generated = operations.members.map((m) => (m.name as ts.Identifier | undefined)?.text);
  assert.deepEqual([...generated].sort(), [...ids].sort());

  // and it compiles under --strict, together with a use that names every operation
  const use = join(dir, 'use.ts');
  writeFileSync(
    use,
    [
      "import type { operations, paths } from './api.js';",
      `export const every: Record<keyof operations, true> = ${JSON.stringify(Object.fromEntries(ids.map((id) => [id, true])))};`,
      'export type Paths = keyof paths;',
      '',
    ].join('\n'),
  );
  const program = ts.createProgram([file, use], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, []);
});
