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
import { jcsInputProblems } from '../lib/jcs-input.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The caller needs one of these scopes; checked right after authentication. */
    scopes?: Scope[];
    /** Every body field is optional: a missing or empty body is `{}`. */
    optionalBody?: boolean;
  }
}

function illFormed(value: unknown, path: string, out: FieldError[], depth = 0): void {
  if (out.length > 0 || depth > 64) return;
  if (typeof value === 'string') {
    if (!value.isWellFormed())
      out.push({ path: path || '/', message: 'is not well-formed Unicode' });
    else if (value.includes('\u0000'))
      out.push({ path: path || '/', message: 'must not contain a NUL character' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => illFormed(v, `${path}/${i}`, out, depth + 1));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!k.isWellFormed())
        out.push({ path: p, message: 'field name is not well-formed Unicode' });
      else if (k.includes('\u0000'))
        out.push({ path: p, message: 'field name must not contain a NUL character' });
      illFormed(v, p, out, depth + 1);
    }
  }
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
    const errors: FieldError[] = [];
    illFormed(req.body, '', errors);
    illFormed(req.query, 'querystring:', errors);
    illFormed(req.params, 'params:', errors);
    if (errors.length > 0) {
      throw new InputError(
        'validation_failed',
        'the request holds text that is not well-formed',
        errors,
      );
    }
  });
}

/** The route's declared scopes, checked once the caller is known. */
export function assertRouteScopes(req: FastifyRequest): void {
  const scopes = req.routeOptions.config.scopes;
  if (scopes && scopes.length > 0 && req.principal) assertScope(req.principal, ...scopes);
}
