/**
 * pino serializers for request logs. Fastify logs every request's URL; a sign-in callback URL
 * carries an authorization code and state, and a careless client may put a token in a query
 * string. Those values are replaced before the line is written.
 */
import type { FastifyRequest } from 'fastify';

/** Query parameters whose values never reach a log line. */
export const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set([
  // not `state`: it is also the approvals filter, and an OAuth state is useless without the code
  'code',
  'session_state',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'api_key',
  'apikey',
  'key',
  'secret',
  'client_secret',
  'code_verifier',
  'password',
  'credential',
]);

/** `url` with the values of secret query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  // attacker-controlled: parse defensively; anything unparsable is dropped whole
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(q + 1));
  } catch {
    return `${url.slice(0, q)}?[redacted]`;
  }
  const parts: string[] = [];
  for (const [k, v] of params) {
    const shown = SECRET_QUERY_PARAMS.has(k.toLowerCase()) ? '[redacted]' : encodeURIComponent(v);
    parts.push(`${encodeURIComponent(k)}=${shown}`);
  }
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** Only these fields of a request are logged: never its headers, cookies or body. */
export const LOG_SERIALIZERS = {
  req(req: Partial<FastifyRequest>) {
    return {
      method: req.method,
      url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    };
  },
};
