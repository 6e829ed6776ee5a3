/**
 * RFC 9457 problem+json for every error. Known error families map through the one status table;
 * Fastify's own errors (bad JSON, too large, schema) get stable codes; anything else is a 500
 * "internal" with no internals in the body.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  GateRefusal,
  InputError,
  isCountersignError,
  statusForCode,
  statusForGateRefusal,
  type ErrorCode,
  type FieldError,
} from '../errors/index.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  errors?: FieldError[];
  details?: Record<string, unknown>;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  validation_failed: 'Invalid request',
  payload_too_large: 'Payload too large',
  internal: 'Internal error',
};

function problem(
  req: FastifyRequest,
  code: string,
  status: number,
  detail: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: `urn:countersign:problem:${code}`,
    title: TITLES[code as ErrorCode] ?? code.replace(/_/g, ' '),
    status,
    code,
    detail,
    instance: req.id,
    ...extra,
  };
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/**
 * Ajv issues → `[{path, message}]`, naming unknown fields by their path. With `allErrors`, a value
 * outside a union of literals yields one "must be equal to constant" per literal plus "must match
 * a schema in anyOf"; those become one "must be one of: a, b, c" (types alike: "must be string or
 * integer"), so a field's problem is said once, with what is allowed.
 */
export function fieldErrors(context: string, validation: readonly AjvIssue[]): FieldError[] {
  const prefix = context === 'body' ? '' : `${context}:`;
  const allowed = new Map<string, { consts: string[]; types: string[] }>();
  for (const v of validation) {
    const at = allowed.get(v.instancePath ?? '') ?? { consts: [], types: [] };
    if (v.keyword === 'const') at.consts.push(JSON.stringify(v.params?.allowedValue));
    else if (v.keyword === 'enum' && Array.isArray(v.params?.allowedValues))
      at.consts.push(...v.params.allowedValues.map((x) => JSON.stringify(x)));
    else if (v.keyword === 'type' && typeof v.params?.type === 'string')
      at.types.push(v.params.type);
    allowed.set(v.instancePath ?? '', at);
  }
  // paths where a union failed: their alternatives' complaints are said as one
  const unions = new Set(
    validation
      .filter((v) => v.keyword === 'anyOf' || v.keyword === 'oneOf')
      .map((v) => v.instancePath ?? ''),
  );
  const issuesAt = (path: string) => [
    ...new Set(
      validation
        .filter(
          (v) =>
            (v.instancePath ?? '') === path &&
            !['anyOf', 'oneOf', 'required', 'additionalProperties'].includes(v.keyword ?? ''),
        )
        .map((v) => v.message ?? 'is invalid'),
    ),
  ];
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const v of validation) {
    const base = v.instancePath ?? '';
    let e: FieldError;
    const at = allowed.get(base);
    const merged = at && (at.consts.length > 0 || at.types.length > 1);
    if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
      e = { path: `${prefix}${base}/${v.params.additionalProperty}`, message: 'unknown field' };
    } else if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
      e = { path: `${prefix}${base}/${v.params.missingProperty}`, message: 'is required' };
    } else if (
      !merged &&
      unions.has(base) &&
      issuesAt(base).length > 0 &&
      !['required', 'additionalProperties'].includes(v.keyword ?? '')
    ) {
      // one message for the union: what each alternative wanted, e.g. a duration string or seconds
      const wants = issuesAt(base).map((w, i) => (i === 0 ? w : w.replace(/^must /, '')));
      e = { path: `${prefix}${base || '/'}`, message: wants.join(', or ') };
    } else if (merged && ['const', 'enum', 'type', 'anyOf', 'oneOf'].includes(v.keyword ?? '')) {
      const choices = at.consts.length > 0 ? at.consts : at.types;
      const message =
        at.consts.length > 0
          ? `must be one of: ${[...new Set(choices)].join(', ')}`
          : `must be ${[...new Set(choices)].join(' or ')}`;
      e = { path: `${prefix}${base || '/'}`, message };
    } else {
      e = { path: `${prefix}${base || '/'}`, message: v.message ?? 'is invalid' };
    }
    const key = `${e.path}\n${e.message}`;
    if (!seen.has(key)) out.push(e);
    seen.add(key);
  }
  return out;
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/**
 * The one place an error becomes a problem: our typed errors (their status from the one table),
 * gate refusals, schema failures, and Fastify's own errors. Anything else is a 500 `internal`.
 */
export function problemFor(err: FastifyError | Error, req: FastifyRequest): Problem {
  if (err instanceof GateRefusal) {
    return problem(req, err.code, statusForGateRefusal(err.code), err.message, {
      details: err.details,
    });
  }
  if (isCountersignError(err)) {
    const extra: Partial<Problem> = {};
    if (err instanceof InputError && err.errors.length > 0) extra.errors = err.errors;
    if (err.details) extra.details = err.details;
    return problem(req, err.code, statusForCode(err.code), err.message, extra);
  }
  const e = err as FastifyError;
  if (e.validation) {
    return problem(req, 'validation_failed', 400, 'the request does not match its schema', {
      errors: fieldErrors(e.validationContext ?? 'body', e.validation as AjvIssue[]),
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(req, 'payload_too_large', 413, 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(req, 'validation_failed', 415, 'send the body as application/json', {
        errors: [{ path: '/', message: 'unsupported content type' }],
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(req, 'validation_failed', 400, 'the body is not valid JSON', {
        errors: [{ path: '/', message: 'malformed JSON' }],
      });
    case 'FST_ERR_RATE_LIMIT_EXCEEDED':
      return problem(req, 'rate_limited', 429, 'too many requests');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(req, 'validation_failed', 400, 'a path parameter is too long', {
        errors: [{ path: 'url', message: 'parameter too long' }],
      });
    case 'FST_ERR_BAD_URL':
      return problem(req, 'validation_failed', 400, 'the URL is malformed', {
        errors: [{ path: 'url', message: 'malformed URL' }],
      });
  }
  if (e.statusCode === 400 || (err instanceof SyntaxError && e.statusCode === undefined)) {
    return problem(req, 'validation_failed', 400, 'the request is malformed', {
      errors: [{ path: '/', message: 'malformed request' }],
    });
  }
  if (e.statusCode === 404) return problem(req, 'not_found', 404, 'no such resource');
  return problem(req, 'internal', 500, 'an internal error occurred');
}

export function errorHandler(
  err: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const p = problemFor(err, req);
  if (isCountersignError(err) || err instanceof GateRefusal) {
    if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="countersign"');
    if (err.code === 'audit_unavailable' || p.status >= 500) {
      req.log.error({ err: { code: err.code, cause: String(err.cause ?? '') } }, err.message);
    }
  } else if (p.code === 'internal') {
    req.log.error({ err }, 'unhandled error');
  }
  return sendProblem(reply, p);
}

/** Fastify's router errors (a malformed URL, an over-long parameter), before any route runs. */
export function frameworkErrorHandler(
  err: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  reply.header('x-request-id', req.id);
  // every router error other than an over-long parameter is a malformed URL
  const routerError =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? err
      : Object.assign(new Error(err.message), { code: 'FST_ERR_BAD_URL' });
  const p = problemFor(routerError, req);
  return sendProblem(reply, p);
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    problem(req, 'not_found', 404, `no route ${req.method} ${req.url.split('?')[0]}`),
  );
}
