/**
 * Notification tests on loopback: HTTP sinks (node:http on 127.0.0.1) that record what they
 * receive, and a real Countersign server (startServer) with a config pointing at them, its logs
 * captured so tests can scan them for secrets.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfigText, type CountersignConfig } from '../../src/config/index.js';
import type { Scope } from '../../src/domain/principal.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { startServer, type NotifyOverrides, type Server } from '../../src/main.js';
import { TEST_POLICY } from './harness.js';

export interface SinkRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What a sink answers: a status code, a status with a JSON body, or `hang` (never answers). */
export type SinkBehaviour = (
  req: SinkRequest,
  n: number,
) => number | 'hang' | { status: number; json: unknown };

export interface Sink {
  url: string;
  requests: SinkRequest[];
  behaviour: SinkBehaviour;
  /** Resolves with the nth (1-based) request, or rejects after `ms`. */
  waitFor(n: number, ms?: number): Promise<SinkRequest>;
  close(): Promise<void>;
}

export async function startSink(behaviour: SinkBehaviour = () => 200): Promise<Sink> {
  const requests: SinkRequest[] = [];
  const waiters: { n: number; resolve: (r: SinkRequest) => void }[] = [];
  const sink: Sink = {
    url: '',
    requests,
    behaviour,
    waitFor: (n, ms = 5000) =>
      new Promise((resolve, reject) => {
        const have = requests[n - 1];
        if (have) return resolve(have);
        const timer = setTimeout(
          () => reject(new Error(`sink got ${requests.length} requests, waited for ${n}`)),
          ms,
        );
        waiters.push({
          n,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: SinkRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      requests.push(got);
      for (const w of waiters.filter((w) => w.n === requests.length)) w.resolve(got);
      const answer = sink.behaviour(got, requests.length);
      if (answer === 'hang') return; // closed by closeAllConnections at the end
      if (typeof answer === 'object') {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.json));
        return;
      }
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end(answer < 300 ? '{"ok":true}' : '{"error":"sink says no"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('sink has no address');
  sink.url = `http://127.0.0.1:${addr.port}`;
  return sink;
}

export interface NotifyServer {
  server: Server;
  url: string;
  config: CountersignConfig;
  dir: string;
  dbPath: string;
  /** Every log line the server wrote. */
  logs: string[];
  keys: Record<string, string>;
  addKey(name: string, scopes: Scope[], groups?: string[]): Promise<string>;
  /** Fetch against the server with a test key. */
  api<T = unknown>(
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface NotifyServerOptions {
  /** The `notifications:` section as YAML (indented two spaces under it). */
  notificationsYaml: string;
  /** Secrets the worker reads, by variable name. */
  secrets: Record<string, string>;
  notify?: NotifyOverrides;
  /** Reuse a directory (same SQLite file and keys): a restart. */
  dir?: string;
  /** More top-level config (YAML), e.g. an `identity:` section. */
  extraYaml?: string;
}

export async function startNotifyServer(opts: NotifyServerOptions): Promise<NotifyServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'countersign-notify-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'policy.yaml'), TEST_POLICY);
  const configText = [
    'server: { listen: 127.0.0.1:0, publicUrl: http://127.0.0.1:8080 }',
    'store: { url: sqlite:./countersign.db }',
    'signing: { keysDir: ./keys }',
    'policy: { file: ./policy.yaml }',
    'notifications:',
    opts.notificationsYaml,
    opts.extraYaml ?? '',
  ].join('\n');
  const config = parseConfigText(configText, join(dir, 'countersign.yaml'));
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const server = await startServer(config, {
    logLevel: 'info',
    logStream,
    notify: {
      secrets: (name) => opts.secrets[name],
      ...opts.notify,
    },
  });
  const keys: Record<string, string> = {};
  const addKey = async (name: string, scopes: Scope[], groups: string[] = []) => {
    const out = await server.runtime.services.apiKeys.create(
      SYSTEM_PRINCIPAL,
      { name, scopes, groups },
      { bootstrap: true },
    );
    keys[name] = out.key;
    return out.key;
  };
  await addKey('admin', ['admin']);
  await addKey('requester', ['approvals:request', 'gate:check']);
  await addKey('alice', ['approvals:review'], ['release-managers']);
  await addKey('bob', ['approvals:review'], ['sre']);
  const api = async <T>(key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${keys[key] ?? key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(70_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    server,
    url: server.url,
    config,
    dir,
    dbPath: join(dir, 'countersign.db'),
    logs,
    keys,
    addKey,
    api,
    close: async () => {
      await server.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Standard Webhooks secret (`whsec_` + base64 of 32 bytes). */
export function webhookSecret(seed: string): string {
  return `whsec_${Buffer.from(seed.padEnd(32, '0').slice(0, 32)).toString('base64')}`;
}

/** Asserts no text contains any of the secrets (URLs, tokens, passwords, signing secrets). */
export function findSecrets(texts: readonly string[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    if (s.length < 8) throw new Error('secret too short to scan for');
    if (texts.some((t) => t.includes(s))) found.push(s);
  }
  return found;
}
