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

/** The process environment with CLI overrides on top (e.g. `--db` as COUNTERSIGN_STORE_URL). */
export function configEnvWith(overrides: EnvVars, env: EnvVars = process.env): EnvVars {
  return { ...env, ...overrides };
}
