/** Resolving where a command runs (server or store) from global options and the environment. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cliEnvironment, configEnvWith } from '../config/cli-env.js';
import { loadConfig, type CountersignConfig } from '../config/index.js';
import { InputError } from '../errors/index.js';
import { composeRuntime } from './lazy-runtime.js';
import { localPrincipal, remoteBackend, type Backend } from './backend.js';
import { inProcessBackend } from './in-process.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  db?: string;
  config?: string;
  json?: boolean;
  asGroups?: string;
  /** `serve`/`start` only: host:port to listen on (overrides server.listen). */
  listen?: string;
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
  if (opts.listen) overrides.COUNTERSIGN_LISTEN = opts.listen;
  return loadConfig({ ...(file ? { file } : {}), env: configEnvWith(overrides) });
}

/** Local when --db or --config is given; otherwise remote (--url, COUNTERSIGN_URL, or the default). */
export async function openBackend(opts: GlobalOptions): Promise<Backend> {
  const env = cliEnvironment();
  if (opts.db || opts.config) {
    const config = loadCliConfig(opts);
    const rt = await composeRuntime(config);
    const groups = (opts.asGroups ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    try {
      return await inProcessBackend(rt, localPrincipal(groups));
    } catch (err) {
      await rt.close();
      throw err;
    }
  }
  return remoteBackend(opts.url ?? env.url ?? DEFAULT_URL, opts.token ?? env.token);
}

/**
 * Commands that work on the deployment's own files (keys, audit verification) need to know which
 * deployment: --config, COUNTERSIGN_CONFIG or a countersign.yaml found here. Without one they refuse
 * rather than create an empty store or key directory on the side.
 */
export function requireDeploymentConfig(opts: GlobalOptions, what: string): GlobalOptions {
  const file = findConfigFile(opts);
  if (!file && !opts.db) {
    throw new InputError(
      'validation_failed',
      `${what} works on a deployment's own files: pass --config FILE`,
      [
        {
          path: '--config',
          message: 'no countersign.yaml here or in .countersign/, and none named',
        },
      ],
    );
  }
  return file ? { ...opts, config: file } : opts;
}
