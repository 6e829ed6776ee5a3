/**
 * Loads countersign.yaml once at boot: defaults for every key, env overrides, paths resolved
 * against the file's directory, every problem listed, and a deeply frozen result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors/index.js';
import { parseYamlText } from '../lib/yaml-document.js';
import { Issues, deepFreeze, isPlainObject, own, readObject } from '../lib/fields.js';
import type { Obj } from '../lib/fields.js';
import type { CountersignConfig } from './config-types.js';
import {
  readAudit,
  readPolicySection,
  readServer,
  readSigning,
  readStore,
} from './core-sections.js';
import { readIdentity } from './identity-section.js';
import { readNotifications } from './notifications-section.js';
import { readIntegrations } from './integrations-section.js';
import { readConsole } from './console-section.js';

export type EnvVars = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** The config file; else `COUNTERSIGN_CONFIG`; else `countersign.yaml` in `cwd` if present. */
  file?: string;
  /** Environment variables (default `process.env`). */
  env?: EnvVars;
  /** Directory relative `file` names resolve against (default `process.cwd()`). */
  cwd?: string;
}

const TOP_KEYS = [
  'server',
  'store',
  'signing',
  'audit',
  'identity',
  'policy',
  'notifications',
  'integrations',
  'console',
];

/** Environment variables that override one key each. */
const OVERRIDES = [
  { env: 'COUNTERSIGN_STORE_URL', section: 'store', key: 'url' },
  { env: 'COUNTERSIGN_LISTEN', section: 'server', key: 'listen' },
] as const;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function applyOverrides(top: Obj, env: EnvVars): { doc: Obj; applied: Map<string, string> } {
  const doc: Obj = { ...top };
  const applied = new Map<string, string>();
  for (const o of OVERRIDES) {
    const value = nonEmpty(env[o.env]);
    const section = own(doc, o.section);
    if (value === undefined || (section !== undefined && !isPlainObject(section))) continue;
    doc[o.section] = { ...(section ?? {}), [o.key]: value };
    applied.set(`${o.section}.${o.key}`, o.env);
  }
  return { doc, applied };
}

function buildConfig(
  raw: unknown,
  file: string | null,
  baseDir: string,
  env: EnvVars,
): CountersignConfig {
  const issues = new Issues();
  const top = readObject(raw ?? {}, '', issues, TOP_KEYS) ?? {};
  const { doc, applied } = applyOverrides(top, env);
  const config: CountersignConfig = {
    file,
    baseDir,
    server: readServer(own(doc, 'server'), issues),
    store: readStore(own(doc, 'store'), issues, baseDir),
    signing: readSigning(own(doc, 'signing'), issues, baseDir),
    audit: readAudit(own(doc, 'audit'), issues),
    identity: readIdentity(own(doc, 'identity'), issues, baseDir),
    policy: readPolicySection(own(doc, 'policy'), issues, baseDir),
    notifications: readNotifications(own(doc, 'notifications'), issues),
    integrations: readIntegrations(own(doc, 'integrations'), issues, baseDir),
    console: readConsole(own(doc, 'console'), issues),
  };
  if (!issues.ok) {
    const errors = issues.list.map((e) => {
      const from = applied.get(e.path);
      return from ? { path: e.path, message: `${e.message} (set by ${from})` } : e;
    });
    throw new InputError(
      'validation_failed',
      `invalid configuration in ${file ?? 'defaults'}`,
      errors,
    );
  }
  return deepFreeze(config);
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(
      'validation_failed',
      `cannot read configuration file ${file}`,
      [{ path: '(file)', message: missing ? 'file not found' : 'file cannot be read' }],
      { cause: err },
    );
  }
  return parseYamlText(text, file, 'configuration');
}

/**
 * Loads and validates the deployment configuration. Throws
 * `InputError('validation_failed', 'invalid configuration in <file>', errors)` listing every
 * problem with its path.
 */
export function loadConfig(opts: LoadConfigOptions = {}): CountersignConfig {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.cwd ?? process.cwd());
  const named = opts.file ?? nonEmpty(env.COUNTERSIGN_CONFIG);
  let file: string | null = named === undefined ? null : resolve(cwd, named);
  if (file === null && existsSync(resolve(cwd, 'countersign.yaml'))) {
    file = resolve(cwd, 'countersign.yaml');
  }
  const raw = file === null ? {} : readConfigFile(file);
  return buildConfig(raw, file, file === null ? cwd : dirname(file), env);
}

/** Every default, with relative paths resolved against `baseDir`; no env overrides. */
export function defaultConfig(baseDir: string): CountersignConfig {
  return buildConfig({}, null, resolve(baseDir), {});
}

/** Parses configuration already read as text (e.g. from a test or a remote source). */
export function parseConfigText(text: string, file: string, env: EnvVars = {}): CountersignConfig {
  const absolute = resolve(file);
  return buildConfig(
    parseYamlText(text, absolute, 'configuration'),
    absolute,
    dirname(absolute),
    env,
  );
}
