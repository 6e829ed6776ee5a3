/**
 * Whether a callback URL is inside one of the allowlisted prefixes. One function for creation and
 * delivery. Both sides are parsed as URLs (never compared as strings): the scheme and origin
 * (host and port, normalised by the URL parser) must equal the prefix's, user info is refused,
 * and the path, with dot segments already resolved by the parser, must lie under the prefix's
 * path on a segment boundary. So `https://ok.example/hooks/../admin` is `/admin` and is not under
 * `https://ok.example/hooks/`, and `https://ok.example/hooksevil` is not under
 * `https://ok.example/hooks`. Encoded slashes, backslashes and dots in the path are refused: a
 * receiver may decode them into segments the check did not see.
 */

/** `%2f`, `%5c` or `%2e` anywhere in a path (any case). */
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Whether `url` lies under the allowlisted `prefix` (see the module comment). */
export function isUnderUrlPrefix(url: string, prefix: string): boolean {
  const u = parse(url);
  const p = parse(prefix);
  if (!u || !p) return false;
  if (u.username !== '' || u.password !== '') return false;
  if (u.protocol !== p.protocol || u.origin !== p.origin || u.origin === 'null') return false;
  if (ENCODED_SEPARATOR.test(u.pathname)) return false;
  const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
  return u.pathname === p.pathname || u.pathname.startsWith(base);
}

/** Whether a callback URL is under one of the allowlisted prefixes (empty list: none is). */
export function isCallbackAllowed(url: string, allowlist: readonly string[]): boolean {
  return allowlist.some((prefix) => isUnderUrlPrefix(url, prefix));
}
