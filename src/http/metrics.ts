/**
 * `GET /metrics`: Prometheus metrics (prom-client) — process defaults, request durations by route
 * and status, gate answers by reason code, request changes by kind, and the store-backed gauges of
 * metric-collectors.ts (docs/metrics.md lists them all). Labels carry route
 * patterns and codes only: never ids, principals or anything a caller typed.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../services/event-bus.js';
import {
  registerOpsMetrics,
  registerProcessMetrics,
  type OpsMetricsSource,
} from './metric-collectors.js';

export interface Metrics {
  registry: Registry;
  gateAnswered(allowed: boolean, code: string): void;
}

export function registerMetrics(
  app: FastifyInstance,
  bus: EventBus | null,
  ops?: OpsMetricsSource,
): Metrics {
  const registry = new Registry();
  registerProcessMetrics(registry);
  if (ops) registerOpsMetrics(registry, ops);
  const duration = new Histogram({
    name: 'countersign_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const gate = new Counter({
    name: 'countersign_gate_answers_total',
    help: 'Gate answers by outcome and reason code',
    labelNames: ['outcome', 'code'],
    registers: [registry],
  });
  const changes = new Counter({
    name: 'countersign_approval_changes_total',
    help: 'Approval request changes this replica committed, by kind',
    labelNames: ['event'],
    registers: [registry],
  });
  // this replica's own changes: summed over replicas, each change counts once
  bus?.onOwnApproval((c) => changes.inc({ event: c.event }));

  app.addHook('onResponse', async (req, reply) => {
    // the route pattern, never the raw URL (ids and query strings stay out of labels)
    const route = req.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true } },
    async (_req, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return {
    registry,
    gateAnswered: (allowed, code) => gate.inc({ outcome: allowed ? 'allowed' : 'rejected', code }),
  };
}
