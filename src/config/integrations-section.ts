/** `integrations` section of countersign.yaml: GitHub deployment protection rules. */
import { readEnvName, readPath, readUrl } from './config-fields.js';
import type { GithubIntegrationConfig, IntegrationsConfig } from './config-types.js';
import { joinPath, own, readDuration, readObject, readString } from '../lib/fields.js';
import type { Issues } from '../lib/fields.js';
import { KIND_RULES } from '../policy/policy-schema.js';

const GITHUB_KEYS = [
  'appId',
  'privateKeyFile',
  'privateKeyEnv',
  'webhookSecretEnv',
  'apiUrl',
  'webUrl',
  'kind',
  'environments',
  'requestTtl',
];

function readAppId(obj: Record<string, unknown>, path: string, issues: Issues): string {
  const value = own(obj, 'appId');
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^[1-9]\d{0,19}$/.test(value)) return value;
  issues.add(
    joinPath(path, 'appId'),
    value === undefined ? 'is required' : 'must be the numeric GitHub App id',
  );
  return '';
}

function readGithub(
  value: unknown,
  issues: Issues,
  baseDir: string,
): GithubIntegrationConfig | null {
  const path = 'integrations.github';
  const obj = readObject(value, path, issues, GITHUB_KEYS);
  if (!obj) return null;
  const privateKeyFile = readPath(obj, 'privateKeyFile', path, issues, baseDir) ?? null;
  const privateKeyEnv = readEnvName(obj, 'privateKeyEnv', path, issues) ?? null;
  if ((privateKeyFile === null) === (privateKeyEnv === null)) {
    issues.add(path, 'name exactly one of privateKeyFile and privateKeyEnv');
  }
  const envPath = joinPath(path, 'environments');
  const envObj = readObject(own(obj, 'environments'), envPath, issues, null, true) ?? {};
  const environments: Record<string, string> = {};
  for (const name of Object.keys(envObj)) {
    const target = readString(envObj, name, envPath, issues, { required: true, max: 64 });
    if (target !== undefined) environments[name] = target;
  }
  if (Object.keys(environments).length === 0 && own(obj, 'environments') !== undefined) {
    issues.add(envPath, 'must map at least one GitHub environment to a Countersign environment');
  }
  const apiUrl = readUrl(obj, 'apiUrl', path, issues) ?? 'https://api.github.com';
  const webUrl = readUrl(obj, 'webUrl', path, issues) ?? 'https://github.com';
  return {
    appId: readAppId(obj, path, issues),
    privateKeyFile,
    privateKeyEnv,
    webhookSecretEnv:
      readEnvName(obj, 'webhookSecretEnv', path, issues) ?? 'COUNTERSIGN_GITHUB_WEBHOOK_SECRET',
    apiUrl: apiUrl.replace(/\/+$/, ''),
    webUrl: webUrl.replace(/\/+$/, ''),
    kind: readString(obj, 'kind', path, issues, KIND_RULES) ?? 'deploy',
    environments,
    requestTtlMs: readDuration(obj, 'requestTtl', path, issues) ?? null,
  };
}

export function readIntegrations(
  value: unknown,
  issues: Issues,
  baseDir: string,
): IntegrationsConfig {
  const obj = readObject(value, 'integrations', issues, ['github']) ?? {};
  return { github: readGithub(own(obj, 'github'), issues, baseDir) };
}
