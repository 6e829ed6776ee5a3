/** Resolving where a command runs (server or store) from global options and the environment. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cliEnvironment, configEnvWith } from '../config/cli-env.js';
import { loadConfig, type CountersignConfig } from '../config/index.js';
import { openRuntime } from '../main.js';
import { localBackend, localPrincipal, remoteBackend, type Backend } from './backend.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  db?: string;
  config?: string;
  json?: boolean;
  asGroups?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const INIT_DIR = '.countersign';

/** The config file a command uses: --config, COUNTERSIGN_CONFIG, ./countersign.yaml, ./.countersign/countersign.yaml. */
export function findConfigFile(opts: GlobalOptions): string | undefined {
  const env = cliEnvironment();
  if (opts.config) return resolve(opts.config);
  if (env.config) return resolve(env.config);
  for (const candidate of ['countersign.yaml', `${INIT_DIR}/countersign.yaml`]) {
    if (existsSync(candidate)) return resolve(candidate);
  }
  return undefined;
}

export function loadCliConfig(opts: GlobalOptions): CountersignConfig {
  const file = findConfigFile(opts);
  const overrides: Record<string, string> = {};
  if (opts.db) {
    overrides.COUNTERSIGN_STORE_URL = /^[a-z]+:/.test(opts.db)
      ? opts.db
      : `sqlite:${resolve(opts.db)}`;
  }
  return loadConfig({ ...(file ? { file } : {}), env: configEnvWith(overrides) });
}

/** Local when --db or --config is given; otherwise remote (--url, COUNTERSIGN_URL, or the default). */
export async function openBackend(opts: GlobalOptions): Promise<Backend> {
  const env = cliEnvironment();
  if (opts.db || opts.config) {
    const config = loadCliConfig(opts);
    const rt = await openRuntime(config);
    const groups = (opts.asGroups ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    return localBackend(rt, localPrincipal(groups));
  }
  return remoteBackend(opts.url ?? env.url ?? DEFAULT_URL, opts.token ?? env.token);
}
