/** The environment variables the CLI honours (read here: only config/ reads process.env). */
import type { EnvVars } from './load-config.js';

export interface CliEnvironment {
  url: string | undefined;
  token: string | undefined;
  config: string | undefined;
  storeUrl: string | undefined;
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v === '' ? undefined : v;

export function cliEnvironment(env: EnvVars = process.env): CliEnvironment {
  return {
    url: nonEmpty(env.COUNTERSIGN_URL),
    token: nonEmpty(env.COUNTERSIGN_TOKEN),
    config: nonEmpty(env.COUNTERSIGN_CONFIG),
    storeUrl: nonEmpty(env.COUNTERSIGN_STORE_URL),
  };
}

/**
 * Where the CLI keeps per-user state (the last verified checkpoint of each log):
 * `$XDG_CONFIG_HOME/countersign`, else `~/.config/countersign`; undefined without either.
 */
export function cliStateDir(env: EnvVars = process.env): string | undefined {
  const base =
    nonEmpty(env.XDG_CONFIG_HOME) ??
    (nonEmpty(env.HOME) === undefined ? undefined : `${env.HOME as string}/.config`);
  return base === undefined ? undefined : `${base}/countersign`;
}

/** The process environment with CLI overrides on top (e.g. `--db` as COUNTERSIGN_STORE_URL). */
export function configEnvWith(overrides: EnvVars, env: EnvVars = process.env): EnvVars {
  return { ...env, ...overrides };
}

/**
 * The environment a downstream process started by the CLI (the MCP gateway's server) inherits:
 * everything it would inherit from a shell, less Countersign's own token, which is the gateway's
 * credential and not the tool's.
 */
export function downstreamEnvironment(env: EnvVars = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && k !== 'COUNTERSIGN_TOKEN') out[k] = v;
  }
  return out;
}
