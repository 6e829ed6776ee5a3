/**
 * A real Countersign server on loopback (startServer) with a policy and extra configuration of
 * the test's choosing, and API keys made for it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfigText, type CountersignConfig } from '../../src/config/index.js';
import type { Scope } from '../../src/domain/principal.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { startServer, type NotifyOverrides, type Server } from '../../src/main.js';

export interface PolicyServer {
  server: Server;
  url: string;
  config: CountersignConfig;
  dir: string;
  logs: string[];
  addKey(name: string, scopes: Scope[], groups?: string[]): Promise<string>;
  api<T = unknown>(
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface PolicyServerOptions {
  policy: string;
  /** More top-level configuration sections, as YAML. */
  extraYaml?: string;
  /** Reuse a directory (same SQLite file and keys): a restart. */
  dir?: string;
  notify?: NotifyOverrides;
}

export async function startPolicyServer(opts: PolicyServerOptions): Promise<PolicyServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'countersign-policy-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'policy.yaml'), opts.policy);
  const configText = [
    'server: { listen: 127.0.0.1:0, publicUrl: http://127.0.0.1:8080 }',
    'store: { url: sqlite:./countersign.db }',
    'signing: { keysDir: ./keys }',
    'policy: { file: ./policy.yaml }',
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
    ...(opts.notify ? { notify: opts.notify } : {}),
  });
  const addKey = async (name: string, scopes: Scope[], groups: string[] = []) => {
    const out = await server.runtime.services.apiKeys.create(
      SYSTEM_PRINCIPAL,
      { name, scopes, groups },
      { bootstrap: true },
    );
    return out.key;
  };
  const api = async <T>(key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
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
    logs,
    addKey,
    api,
    close: async () => {
      await server.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
