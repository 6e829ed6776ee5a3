/** Secrets live in environment variables named in config; config is the only reader of env. */
import { ENV_NAME_RULES } from './config-fields.js';
import type { EnvVars } from './load-config.js';

/**
 * The value of the environment variable `name` (a webhook URL, token, password), or undefined
 * when it is unset or empty. Callers must never log or store what it returns.
 */
export function readSecretEnv(name: string, env: EnvVars = process.env): string | undefined {
  if (!ENV_NAME_RULES.pattern.test(name)) {
    throw new TypeError('readSecretEnv: name must be an environment variable name');
  }
  const value = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
  return value === undefined || value === '' ? undefined : value;
}
