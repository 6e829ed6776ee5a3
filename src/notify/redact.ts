/**
 * Redaction for anything kept or shown about a delivery: no token, password, signature or full
 * webhook URL may reach a log line, error, audit event or delivery record (the project rule: never a secret in a log, error or record).
 */

export const REDACTED = '…';

/** Hosts whose webhook URL path after the first segment(s) is the secret itself. */
const SECRET_PATH_HOSTS: readonly { host: RegExp; keep: number }[] = [
  { host: /^hooks\.slack\.com$/, keep: 1 }, // /services/T…/B…/<token>
  { host: /(^|\.)webhook\.office\.com$/, keep: 1 }, // /webhookb2/<ids>/IncomingWebhook/<token>/…
  { host: /(^|\.)(discord|discordapp)\.com$/, keep: 2 }, // /api/webhooks/<id>/<token>
];

/** A path segment that looks like an id or token rather than a route name. */
function isTokenLike(segment: string): boolean {
  return segment.length >= 16 && /\d/.test(segment) && /^[A-Za-z0-9._~+=%@-]+$/.test(segment);
}

/**
 * Scheme, host and path with secret parts replaced by `…`: user info and fragment dropped, any
 * query string replaced, known webhook hosts cut after their route prefix, and token-like path
 * segments replaced everywhere else.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const rule = SECRET_PATH_HOSTS.find((r) => r.host.test(parsed.hostname));
  let kept: string[];
  if (rule) {
    kept = segments.slice(0, rule.keep);
    if (segments.length > rule.keep) kept.push(REDACTED);
  } else {
    kept = [];
    for (const s of segments) {
      const next = isTokenLike(s) ? REDACTED : s;
      if (!(next === REDACTED && kept[kept.length - 1] === REDACTED)) kept.push(next);
    }
  }
  const path = kept.length > 0 ? `/${kept.join('/')}` : parsed.pathname === '/' ? '/' : '';
  const query = parsed.search === '' ? '' : `?${REDACTED}`;
  return `${parsed.protocol}//${parsed.host}${path}${query}`;
}

/**
 * Scheme and host only, then `/…`: for showing a URL to someone not entitled to any of its path
 * or query (a callback URL may carry a token anywhere in its path).
 */
export function redactUrlToOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  return `${parsed.protocol}//${parsed.host}/${REDACTED}`;
}

const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|signature|api-?key|auth/i;

/** Headers with every credential-bearing value replaced by `[redacted]`. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SENSITIVE_HEADER.test(name) ? '[redacted]' : value;
  }
  return out;
}
