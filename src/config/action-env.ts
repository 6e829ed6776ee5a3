/**
 * What the GitHub Actions runner hands the Countersign action through the environment: inputs as
 * `INPUT_<NAME>` (the name upper-cased, spaces as `_`, hyphens kept), the file commands
 * (`GITHUB_OUTPUT`) and the run's context (`GITHUB_REPOSITORY`, `GITHUB_RUN_ID`, …).
 */
import type { EnvVars } from './load-config.js';

export interface ActionRunnerEnv {
  /** An input's value, trimmed; undefined when unset or empty. */
  input(name: string): string | undefined;
  /** The file outputs are appended to; null outside a runner. */
  readonly outputFile: string | null;
  readonly repository: string | null;
  readonly runId: string | null;
  readonly workflow: string | null;
  readonly job: string | null;
  readonly sha: string | null;
  /** `https://github.com` (or the GitHub Enterprise host). */
  readonly serverUrl: string;
}

const set = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/** Reads the runner's environment (default `process.env`). */
export function actionRunnerEnv(env: EnvVars = process.env): ActionRunnerEnv {
  return {
    input(name) {
      const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
      return value === undefined || value === '' ? undefined : value;
    },
    outputFile: set(env.GITHUB_OUTPUT),
    repository: set(env.GITHUB_REPOSITORY),
    runId: set(env.GITHUB_RUN_ID),
    workflow: set(env.GITHUB_WORKFLOW),
    job: set(env.GITHUB_JOB),
    sha: set(env.GITHUB_SHA),
    serverUrl: set(env.GITHUB_SERVER_URL) ?? 'https://github.com',
  };
}
