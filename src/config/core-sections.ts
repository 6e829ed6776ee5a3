/** `server`, `store`, `signing`, `audit` and `policy` sections of countersign.yaml. */
import { resolve } from 'node:path';
import {
  checkUrl,
  isAddressOrCidr,
  isLoopbackHost,
  parseListen,
  readByteSize,
  readPath,
  readUrl,
} from './config-fields.js';
import type { AuditConfig, ServerConfig, SigningConfig, StoreConfig } from './config-types.js';
import {
  joinPath,
  own,
  readBoolean,
  readDuration,
  readInt,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Issues, Obj } from '../lib/fields.js';
import { readMinCosignatures, readWitnesses } from './witness-section.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';
export const DEFAULT_STORE_URL = 'sqlite:./.countersign/countersign.db';

export function readServer(value: unknown, issues: Issues): ServerConfig {
  const keys = ['listen', 'publicUrl', 'devMode', 'bodyLimit', 'cors', 'trustProxy', 'rateLimit'];
  const obj = readObject(value, 'server', issues, keys) ?? {};
  const listenText = readString(obj, 'listen', 'server', issues, { max: 300 }) ?? DEFAULT_LISTEN;
  let address = parseListen(listenText);
  if (!address) {
    issues.add('server.listen', 'must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080');
    address = parseListen(DEFAULT_LISTEN) as NonNullable<typeof address>;
  }
  const devMode = readBoolean(obj, 'devMode', 'server', issues) ?? false;
  if (devMode && !isLoopbackHost(address.host)) {
    issues.add(
      'server.devMode',
      'is only allowed with a loopback listen address (127.0.0.0/8, ::1, localhost)',
    );
  }
  const publicUrl =
    readUrl(obj, 'publicUrl', 'server', issues, { allowHttp: true }) ?? `http://${address.listen}`;
  const corsObj = readObject(own(obj, 'cors'), 'server.cors', issues, ['origins']) ?? {};
  const origins = readStringList(corsObj, 'origins', 'server.cors', issues, { max: 512 }) ?? [];
  origins.forEach((origin, i) => {
    const p = joinPath('server.cors.origins', i);
    const url = checkUrl(origin, p, issues, { allowHttp: true });
    if (url && url.origin !== origin)
      issues.add(p, 'must be an origin like https://console.example.com');
  });
  const limitObj =
    readObject(own(obj, 'rateLimit'), 'server.rateLimit', issues, ['authFailures', 'mutations']) ??
    {};
  const rateLimit = {
    authFailuresPerMinute:
      readInt(limitObj, 'authFailures', 'server.rateLimit', issues, { min: 1, max: 100_000 }) ?? 20,
    mutationsPerMinute:
      readInt(limitObj, 'mutations', 'server.rateLimit', issues, { min: 1, max: 1_000_000 }) ??
      6000,
  };
  return {
    listen: address.listen,
    host: address.host,
    port: address.port,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    devMode,
    bodyLimitBytes:
      readByteSize(obj, 'bodyLimit', 'server', issues, { min: 1024, max: 100 * 1024 ** 2 }) ??
      1024 ** 2,
    cors: { origins },
    trustProxy: readTrustProxy(obj, issues),
    rateLimit,
  };
}

/**
 * `server.trustProxy`: the proxies' addresses or CIDRs. `false` (or absent) trusts no one; `true`
 * is refused, because it would believe any X-Forwarded-For, from any client.
 */
function readTrustProxy(obj: Obj, issues: Issues): string[] {
  const path = 'server.trustProxy';
  const raw = own(obj, 'trustProxy');
  if (raw === false) return [];
  if (raw === true) {
    issues.add(
      path,
      "true would believe any X-Forwarded-For; list the proxies' addresses or CIDRs, e.g. [10.0.0.0/8]",
    );
    return [];
  }
  const list = readStringList(obj, 'trustProxy', 'server', issues, { single: true, max: 64 }) ?? [];
  list.forEach((entry, i) => {
    if (!isAddressOrCidr(entry)) {
      issues.add(joinPath(path, i), 'must be an IP address or CIDR, e.g. 10.0.0.0/8 or fd00::/8');
    }
  });
  return list;
}

const STORE_URL_MESSAGE = 'must be sqlite:PATH or postgres://user@host:5432/db';

/** Store URLs may hold a password: problems are reported without the value. */
export function readStore(value: unknown, issues: Issues, baseDir: string): StoreConfig {
  const obj = readObject(value, 'store', issues, ['url', 'pool']) ?? {};
  const url = readString(obj, 'url', 'store', issues, { max: 4096 }) ?? DEFAULT_STORE_URL;
  const poolObj = readObject(own(obj, 'pool'), 'store.pool', issues, ['max', 'idleTimeout']) ?? {};
  const pool = {
    max: readInt(poolObj, 'max', 'store.pool', issues, { min: 1, max: 1000 }) ?? 10,
    idleTimeoutMs: readDuration(poolObj, 'idleTimeout', 'store.pool', issues) ?? 30_000,
  };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '' || path.startsWith('//')) {
      issues.add('store.url', STORE_URL_MESSAGE);
      return { kind: 'sqlite', path: resolve(baseDir, 'countersign.db') };
    }
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(baseDir, path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let ok = false;
    try {
      ok = new URL(url).pathname.length > 1;
    } catch {
      ok = false;
    }
    if (!ok) issues.add('store.url', 'must be a valid postgres:// URL naming a database');
    return { kind: 'postgres', url, pool };
  }
  issues.add('store.url', STORE_URL_MESSAGE);
  return { kind: 'sqlite', path: resolve(baseDir, 'countersign.db') };
}

export function readSigning(value: unknown, issues: Issues, baseDir: string): SigningConfig {
  const keys = ['issuer', 'keysDir', 'clockSkew', 'maxCredentialTtl'];
  const obj = readObject(value, 'signing', issues, keys) ?? {};
  const clockSkewMs =
    readDuration(obj, 'clockSkew', 'signing', issues, { allowZero: true }) ?? 30_000;
  if (clockSkewMs > 5 * 60_000) issues.add('signing.clockSkew', 'must be at most 5m');
  return {
    issuer: readString(obj, 'issuer', 'signing', issues, { max: 256 }) ?? 'countersign',
    keysDir:
      readPath(obj, 'keysDir', 'signing', issues, baseDir) ?? resolve(baseDir, '.countersign/keys'),
    clockSkewMs,
    maxCredentialTtlMs: readDuration(obj, 'maxCredentialTtl', 'signing', issues) ?? 24 * 3_600_000,
  };
}

const ORIGIN_RULES = {
  max: 256,
  pattern: /^[\x21-\x7e]+$/,
  patternMessage: 'must be printable ASCII without spaces',
};

export function readAudit(value: unknown, issues: Issues): AuditConfig {
  const keys = ['origin', 'checkpointEvery', 'witnesses', 'minCosignatures'];
  const obj = readObject(value, 'audit', issues, keys) ?? {};
  const witnesses = readWitnesses(obj, issues);
  return {
    origin: readString(obj, 'origin', 'audit', issues, ORIGIN_RULES) ?? 'countersign/audit',
    checkpointEveryMs: readDuration(obj, 'checkpointEvery', 'audit', issues) ?? 1000,
    witnesses,
    minCosignatures: readMinCosignatures(obj, issues, witnesses.length),
  };
}

export function readPolicySection(
  value: unknown,
  issues: Issues,
  baseDir: string,
): { file: string; repositoryRouting: Readonly<Record<string, string>> } {
  const obj = readObject(value, 'policy', issues, ['file', 'repositoryRouting']) ?? {};
  // repository → its routing file (`.countersign/routing.yaml` of that repository, as deployed
  // by the operator): the server never takes routing from the requester
  const routingObj =
    readObject(own(obj, 'repositoryRouting'), 'policy.repositoryRouting', issues, null) ?? {};
  const repositoryRouting: Record<string, string> = {};
  for (const repo of Object.keys(routingObj)) {
    const path = readPath(routingObj, repo, 'policy.repositoryRouting', issues, baseDir);
    if (path !== undefined) repositoryRouting[repo] = path;
  }
  return {
    file: readPath(obj, 'file', 'policy', issues, baseDir) ?? resolve(baseDir, 'policy.yaml'),
    repositoryRouting,
  };
}
