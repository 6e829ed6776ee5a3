/** Readers specific to the deployment configuration: URLs, env-var names, sizes, addresses. */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { parseByteSize } from '../lib/duration.js';
import { joinPath, own, readString } from '../lib/fields.js';
import type { Issues, Obj } from '../lib/fields.js';

export const ENV_NAME_RULES = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
  patternMessage: 'must be an environment variable name (letters, digits, _)',
  max: 128,
};

export function readEnvName(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  required = false,
): string | undefined {
  return readString(obj, key, path, issues, { ...ENV_NAME_RULES, required });
}

/** Whether a host name or address is loopback: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/** `192.0.2.7`, `10.0.0.0/8`, `::1`, `fd00::/8`: an IP address, with an optional prefix length. */
export function isAddressOrCidr(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

export interface UrlRules {
  required?: boolean;
  /** Allow plain http for any host (otherwise only for loopback hosts). */
  allowHttp?: boolean;
}

/**
 * An absolute http(s) URL without user info. Messages never echo the value: a URL may carry a
 * secret the operator should not have put there.
 */
export function checkUrl(
  value: string,
  path: string,
  issues: Issues,
  rules: UrlRules,
): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    issues.add(path, 'must be an absolute URL');
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    issues.add(path, 'must be an http(s) URL');
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    issues.add(path, 'must not contain credentials (name an environment variable instead)');
    return undefined;
  }
  if (url.protocol === 'http:' && !rules.allowHttp && !isLoopbackHost(url.hostname)) {
    issues.add(path, 'must be an https URL (http only for loopback hosts)');
    return undefined;
  }
  return url;
}

export function readUrl(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  rules: UrlRules = {},
): string | undefined {
  const value = readString(obj, key, path, issues, { required: rules.required, max: 2048 });
  if (value === undefined) return undefined;
  return checkUrl(value, joinPath(path, key), issues, rules) ? value : undefined;
}

export function readByteSize(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  bounds: { min: number; max: number },
): number | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < bounds.min || bytes > bounds.max) {
    issues.add(
      joinPath(path, key),
      `must be a size like 1MiB, from ${bounds.min} to ${bounds.max} bytes`,
    );
    return undefined;
  }
  return bytes;
}

/** A path as written in the file, resolved against the config file's directory. */
export function readPath(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  baseDir: string,
): string | undefined {
  const value = readString(obj, key, path, issues, { max: 4096 });
  return value === undefined ? undefined : resolve(baseDir, value);
}

export interface ListenAddress {
  listen: string;
  host: string;
  port: number;
}

const LISTEN_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** `host:port` or `[v6]:port`. */
export function parseListen(value: string): ListenAddress | undefined {
  const m = LISTEN_RE.exec(value);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined && !isIPv6(host)) return undefined;
  return { listen: value, host, port };
}
