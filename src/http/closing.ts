/**
 * Shutdown for long-lived responses. `app.close()` waits for open requests, and an SSE stream or a
 * long-poll would hold it for up to its lifetime; they listen to this signal instead and end when
 * the server starts closing (the `preClose` hook, before connections are waited for).
 */
import type { FastifyInstance } from 'fastify';

const controllers = new WeakMap<FastifyInstance, AbortController>();

/** The signal that fires when `app` starts closing. Call it while registering routes. */
export function closingSignal(app: FastifyInstance): AbortSignal {
  let controller = controllers.get(app);
  if (!controller) {
    const created = new AbortController();
    controller = created;
    controllers.set(app, created);
    app.addHook('preClose', (done) => {
      created.abort();
      done();
    });
  }
  return controller.signal;
}
