/**
 * Input guards at the edge, before any schema or service sees a request:
 * - JSON bodies: an empty body is "no body" (routes whose fields are all optional accept it);
 *   every string, key or value, must be well-formed Unicode (a lone surrogate would otherwise
 *   reach canonical JSON hashing deep in a use case and fail there) and free of NUL (U+0000),
 *   which PostgreSQL text cannot hold: refused here, both stores answer the same 400. Query
 *   strings and path parameters are held to the same rule.
 * - JSON bodies: repeated member names and integers beyond ±(2^53 − 1) are refused (400): canonical
 *   JSON (RFC 8785) could not hash them as sent (lib/jcs-input.ts).
 * - Route scopes: a route may declare `config.scopes`; a caller with none of them gets 403 before
 *   its body is parsed or validated (never 400 for an authorization failure).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../domain/principal.js';
import { InputError, type FieldError } from '../errors/index.js';
import { assertScope } from '../services/access.js';
import { jcsInputProblems, pointerToken } from '../lib/jcs-input.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The caller needs one of these scopes; checked right after authentication. */
    scopes?: Scope[];
    /** Every body field is optional: a missing or empty body is `{}`. */
    optionalBody?: boolean;
  }
}

/** Why `text` cannot be taken as sent, or null. */
function textProblem(text: string, what: string): string | null {
  if (!text.isWellFormed()) return `${what}is not well-formed Unicode`;
  if (text.includes('\u0000')) return `${what}must not contain a NUL character`;
  return null;
}

/**
 * The first string in `value`, member name or value, that is not well-formed Unicode or holds
 * NUL: where it is (JSON Pointer segments, innermost last) and why; null when there is none.
 * Paths are built only for the problem found: most requests have none.
 */
function firstIllFormed(value: unknown, depth = 0): { at: string[]; message: string } | null {
  if (depth > 64) return null;
  if (typeof value === 'string') {
    const message = textProblem(value, '');
    return message === null ? null : { at: [], message };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstIllFormed(value[i], depth + 1);
      if (found) {
        found.at.unshift(String(i));
        return found;
      }
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const message = textProblem(k, 'field name ');
      if (message !== null) return { at: [k], message };
      const found = firstIllFormed(v, depth + 1);
      if (found) {
        found.at.unshift(k);
        return found;
      }
    }
  }
  return null;
}

/** `firstIllFormed` as a field error, its path under `prefix`. */
function illFormed(value: unknown, prefix: string): FieldError | null {
  const found = firstIllFormed(value);
  if (!found) return null;
  const path = prefix + found.at.map((s) => `/${pointerToken(s)}`).join('');
  return { path: path || '/', message: found.message };
}

export function registerInputGuards(app: FastifyInstance): void {
  // the default parser (with its prototype-poisoning protection), but an empty body is no body
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // what canonical JSON cannot represent exactly is refused, not silently changed
    const ambiguous = jcsInputProblems(text);
    if (ambiguous.length > 0) {
      done(
        new InputError(
          'validation_failed',
          'the body holds JSON that canonical JSON (RFC 8785) cannot represent exactly',
          ambiguous,
        ),
        undefined,
      );
      return;
    }
    parseJson(req, text, done);
  });

  app.addHook('preValidation', async (req: FastifyRequest) => {
    if (req.routeOptions.config.optionalBody && (req.body === undefined || req.body === null)) {
      req.body = {};
    }
    const error =
      illFormed(req.body, '') ??
      illFormed(req.query, 'querystring:') ??
      illFormed(req.params, 'params:');
    if (error) {
      throw new InputError('validation_failed', 'the request holds text that is not well-formed', [
        error,
      ]);
    }
  });
}

/** The route's declared scopes, checked once the caller is known. */
export function assertRouteScopes(req: FastifyRequest): void {
  const scopes = req.routeOptions.config.scopes;
  if (scopes && scopes.length > 0 && req.principal) assertScope(req.principal, ...scopes);
}
