/**
 * Local mode (`--db`, `--config`): the server's own app, built over a runtime in this process and
 * called through the typed client with `app.inject` in place of the network. Every command runs
 * the same routes, validation, access checks and problem responses as against a server; only what
 * reads the store's own files (full verification, pinning, signing a checkpoint now) calls the
 * runtime directly (its typed errors are reported like the API's, by cli/run.ts).
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { CountersignClient } from '../client/http-client.js';
import type { Principal } from '../domain/principal.js';
import { ConflictError } from '../errors/index.js';
import type { Runtime } from '../runtime.js';
import { localAuditPinSource } from './audit-pin-source.js';
import { clientBackend, type Backend } from './backend.js';

/** The in-process app never listens, so nothing is to be limited: one operator, one process. */
const NO_LIMITS = { authFailuresPerMinute: 1_000_000_000, mutationsPerMinute: 1_000_000_000 };

/** A base URL for the client: never resolved, every request goes to `app.inject`. */
const IN_PROCESS_URL = 'http://countersign.in-process';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** `fetch` over `app.inject`: the request and the answer as the network would carry them. */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const res = await app.inject({
      method: (init?.method ?? 'GET') as InjectOptions['method'],
      url: `${url.pathname}${url.search}`,
      headers,
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, String(v));
    }
    return new Response(NULL_BODY_STATUSES.has(res.statusCode) ? null : res.rawPayload, {
      status: res.statusCode,
      headers: out,
    });
  };
}

export async function inProcessBackend(rt: Runtime, principal: Principal): Promise<Backend> {
  // the composition root's own app builder, loaded with the HTTP layer only in local mode
  const { buildRuntimeApp } = await import('../main.js');
  const app = await buildRuntimeApp(rt, {
    // the operator holds the store itself: every request is theirs
    authenticator: { authenticate: async () => principal },
    logger: false,
    extras: {
      devMode: false,
      rateLimit: NO_LIMITS,
      corsOrigins: [],
      trustProxy: [],
      // one or two routes per command: compile only theirs
      compileSchemas: 'on-first-use',
      notifications: { bus: rt.bus, clock: rt.clock },
    },
  });
  await app.ready();
  const client = new CountersignClient({ url: IN_PROCESS_URL, fetch: injectFetch(app) });
  return Object.assign(clientBackend(client, 'local'), {
    config: rt.config,
    close: async () => {
      await app.close();
      await rt.close();
    },
    // the store itself, which no route serves
    auditVerify: (onProgress?: (verified: number, total: number) => void) =>
      rt.services.audit.verify(onProgress ? { onProgress } : {}),
    auditPinSource: () => localAuditPinSource(rt),
    // signs a checkpoint now when the log grew (a server signs on its own schedule)
    auditCheckpoint: async () => {
      const c = await rt.services.audit.checkpoint();
      if (!c) throw new ConflictError('not_found', 'no checkpoint: the log is empty');
      return c;
    },
  });
}
