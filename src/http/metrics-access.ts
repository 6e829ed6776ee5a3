/**
 * `GET /metrics` is not public: it answers only to a principal with `metrics:read` (or admin),
 * authenticated like `/v1` (API key, token, session cookie; devMode's principal), with the same
 * failed-authentication budget. Metrics reveal traffic, outcomes and timing; Prometheus sends a
 * bearer key (`authorization: { credentials: … }` in its scrape config).
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';

export const METRICS_PATH = '/metrics';

/**
 * Puts the metrics route behind `authenticate` and the `metrics:read` scope as it is added.
 * Call before the route is registered: the hook applies to routes added after it.
 */
export function protectMetrics(
  app: FastifyInstance,
  authenticate: onRequestAsyncHookHandler,
): void {
  app.addHook('onRoute', (route) => {
    if (route.url !== METRICS_PATH) return;
    const existing = route.onRequest;
    route.onRequest = [authenticate, ...(existing ? [existing].flat() : [])];
    route.config = { ...route.config, scopes: ['metrics:read'] };
  });
}
