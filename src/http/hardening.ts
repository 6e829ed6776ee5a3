/**
 * Transport hardening for the app: security headers (helmet), CORS that is off unless
 * origins are allowlisted (@fastify/cors), cookies (@fastify/cookie), and two rate limits
 * (@fastify/rate-limit): failed authentications per client IP and mutations per principal.
 * Both limits answer 429 problem+json `rate_limited` with `retry-after`.
 */
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../errors/index.js';

export interface HardeningOptions {
  /** Exact origins allowed to call the API from a browser; empty = no CORS headers at all. */
  corsOrigins?: readonly string[];
  rateLimit?: { authFailuresPerMinute: number; mutationsPerMinute: number };
}

export const DEFAULT_RATE_LIMIT = { authFailuresPerMinute: 20, mutationsPerMinute: 6000 };

/** Headers a browser client may send (CORS preflight). */
export const CORS_HEADERS = [
  'authorization',
  'content-type',
  'x-request-id',
  'x-countersign-csrf',
  'idempotency-key',
];

export interface RequestLimits {
  /** 429 when this client IP has used up its failed-authentication budget (does not count). */
  assertAuthBudget(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Counts one failed authentication for this client IP. */
  recordAuthFailure(req: FastifyRequest): Promise<void>;
  /** Counts one mutation for the authenticated principal; 429 beyond the budget. */
  assertMutationBudget(req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const MINUTE_MS = 60_000;

function tooMany(reply: FastifyReply, ttlMs: number, what: string): never {
  const retryAfter = Math.max(1, Math.ceil(ttlMs / 1000));
  reply.header('retry-after', String(retryAfter));
  throw new ServiceError('rate_limited', `too many ${what}; retry in ${retryAfter}s`, {
    details: { retryAfterSeconds: retryAfter },
  });
}

type HelmetMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** What a helmet middleware does to a response, read off one run of it. */
export function securityHeaderList(middleware: HelmetMiddleware): {
  set: [string, string | number | readonly string[]][];
  removed: string[];
} {
  const set: [string, string | number | readonly string[]][] = [];
  const removed: string[] = [];
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      set.push([name, value]);
    },
    removeHeader: (name: string) => {
      removed.push(name);
    },
  };
  let failed: unknown = null;
  middleware({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, (err) => {
    failed = err ?? null;
  });
  if (failed) throw failed;
  return { set, removed };
}

export async function registerHardening(
  app: FastifyInstance,
  opts: HardeningOptions,
): Promise<RequestLimits> {
  const limits = { ...DEFAULT_RATE_LIMIT, ...opts.rateLimit };
  if (!(limits.authFailuresPerMinute >= 1) || !(limits.mutationsPerMinute >= 1)) {
    throw new TypeError('rate limits must be at least 1 per minute');
  }
  // built once: the Fastify plugin builds helmet's middleware again for every request
  const securityHeaders = helmet({
    // the API answers JSON; /docs (Swagger UI) needs its own scripts and styles
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // the quick start serves plain http on loopback; upgrading would break /docs there
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  // nothing in these options depends on the request (no nonces, no functions): the headers are
  // worked out once and set on every answer, rather than helmet rebuilding them for each
  const headers = securityHeaderList(securityHeaders);
  app.addHook('onRequest', (_req, reply, done) => {
    for (const [name, value] of headers.set) reply.raw.setHeader(name, value);
    for (const name of headers.removed) reply.raw.removeHeader(name);
    done();
  });
  const origins = [...(opts.corsOrigins ?? [])];
  if (origins.length > 0) {
    await app.register(cors, {
      // exact match only: no wildcards, no reflection of whatever Origin arrives
      origin: (origin, cb) => cb(null, origin !== undefined && origins.includes(origin)),
      methods: ['GET', 'POST'],
      allowedHeaders: CORS_HEADERS,
      exposedHeaders: ['x-request-id', 'retry-after', 'location'],
      credentials: false,
      maxAge: 600,
    });
  }
  await app.register(cookie);
  await app.register(rateLimit, { global: false });

  const authFailures = app.createRateLimit({
    max: limits.authFailuresPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => `auth-failure:${req.ip}`,
  });
  const mutations = app.createRateLimit({
    max: limits.mutationsPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => `mutation:${req.principal?.id ?? `ip:${req.ip}`}`,
  });

  return {
    async assertAuthBudget(req, reply) {
      const r = await authFailures(req, { increment: false });
      // read without counting: the budget is spent once `max` failures are on record
      if (!r.isAllowed && r.remaining === 0) {
        tooMany(reply, r.ttl, 'failed authentication attempts');
      }
    },
    async recordAuthFailure(req) {
      await authFailures(req);
    },
    async assertMutationBudget(req, reply) {
      const r = await mutations(req);
      if (!r.isAllowed && r.isExceeded) tooMany(reply, r.ttl, 'changes');
    },
  };
}
