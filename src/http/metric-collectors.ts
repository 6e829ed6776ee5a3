/**
 * The metrics behind `/metrics` other than per-request ones: Node process metrics, and gauges read
 * from the store at scrape time (request states, the notification outbox, the audit log and its
 * checkpoints) plus notification provider readiness. Store-backed gauges are deployment-wide: every
 * replica reports the same numbers, so dashboards should take `max` across replicas, not `sum`.
 * Labels are states, statuses and provider names: never ids or anything a caller typed.
 */
import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import type { ProviderHealth } from '../config/provider-health.js';
import type { OpsStats } from '../store/ops-stats.js';

/** Where the operational gauges read from. */
export interface OpsMetricsSource {
  stats(): Promise<OpsStats>;
  providers(): ProviderHealth[];
  /** Milliseconds since the epoch (ages are measured against it). */
  now(): number;
  /** This process's time in the deployment's serialised section (see Store.serialisedSection). */
  serialised?(): { seconds: number; entries: number; units: number };
}

/**
 * Node's default metrics under `countersign_`, without the three gauges prom-client names
 * `*_total` (a suffix Prometheus reserves for counters; `promtool check metrics` flags it): the same
 * numbers stay available by type as `countersign_nodejs_active_{handles,requests,resources}`.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'countersign_' });
  for (const name of ['active_handles', 'active_requests', 'active_resources']) {
    registry.removeSingleMetric(`countersign_nodejs_${name}_total`);
  }
}

type GaugeSpec = {
  name: string;
  help: string;
  labelNames?: string[];
  fill: (g: Gauge<string>, s: OpsStats, now: number) => void;
};

const ageSeconds = (now: number, iso: string): number =>
  Math.max(0, (now - Date.parse(iso)) / 1000);

const FINAL = new Set(['delivered', 'dead']);

const STORE_GAUGES: GaugeSpec[] = [
  {
    name: 'countersign_approval_requests',
    help: 'Approval requests in the store by state',
    labelNames: ['state'],
    fill: (g, s) => s.approvalsByState.forEach((r) => g.set({ state: r.state }, r.count)),
  },
  {
    name: 'countersign_outbox_deliveries',
    help: 'Notification outbox rows by provider and status (pending, failed, delivered, dead)',
    labelNames: ['provider', 'status'],
    fill: (g, s) =>
      s.deliveries.forEach((r) => g.set({ provider: r.provider, status: r.status }, r.count)),
  },
  {
    name: 'countersign_outbox_depth',
    help: 'Notification deliveries still to send (pending or failed and due for retry) by provider',
    labelNames: ['provider'],
    fill: (g, s) => {
      for (const r of s.deliveries)
        if (!FINAL.has(r.status)) g.inc({ provider: r.provider }, r.count);
    },
  },
  {
    name: 'countersign_outbox_oldest_age_seconds',
    help: 'Age of the oldest notification still to send, by provider',
    labelNames: ['provider'],
    fill: (g, s, now) =>
      s.oldestUndelivered.forEach((r) =>
        g.set({ provider: r.provider }, ageSeconds(now, r.createdAt)),
      ),
  },
  {
    name: 'countersign_outbox_dead_letters',
    help: 'Notifications given up on after their last retry (dead), by provider',
    labelNames: ['provider'],
    fill: (g, s) => {
      for (const r of s.deliveries)
        if (r.status === 'dead') g.set({ provider: r.provider }, r.count);
    },
  },
  {
    name: 'countersign_audit_log_size',
    help: 'Events in the audit log (its Merkle tree size)',
    fill: (g, s) => g.set(s.auditSize),
  },
  {
    name: 'countersign_audit_pending_events',
    help: 'Audit events committed but not yet integrated into the Merkle tree',
    fill: (g, s) => g.set(s.auditPending.count),
  },
  {
    name: 'countersign_audit_integration_lag_seconds',
    help: 'Age of the oldest committed audit event not yet integrated into the tree (0 when none)',
    fill: (g, s, now) =>
      g.set(s.auditPending.oldestAppendedAt ? ageSeconds(now, s.auditPending.oldestAppendedAt) : 0),
  },
  {
    name: 'countersign_audit_checkpoint_size',
    help: 'Tree size covered by the newest signed checkpoint',
    fill: (g, s) => g.set(s.latestCheckpoint?.size ?? 0),
  },
  {
    name: 'countersign_audit_unchecked_events',
    help: 'Audit events appended since the newest signed checkpoint (checkpoint lag in events)',
    fill: (g, s) => g.set(s.auditSize - (s.latestCheckpoint?.size ?? 0)),
  },
  {
    name: 'countersign_audit_checkpoint_age_seconds',
    help: 'Age of the newest signed checkpoint (absent until the first one)',
    fill: (g, s, now) => {
      if (s.latestCheckpoint) g.set(ageSeconds(now, s.latestCheckpoint.createdAt));
    },
  },
];

/** Registers the store-backed gauges and provider readiness; the store is read once per scrape. */
export function registerOpsMetrics(registry: Registry, source: OpsMetricsSource): void {
  // one read serves every gauge of a scrape (they are collected one after another)
  let cached: { at: number; stats: Promise<OpsStats | null> } | null = null;
  const snapshot = (): Promise<OpsStats | null> => {
    const now = source.now();
    if (!cached || now - cached.at > 1000) {
      cached = { at: now, stats: source.stats().catch(() => null) };
    }
    return cached.stats;
  };
  new Gauge({
    name: 'countersign_store_up',
    help: 'Whether the last metrics read of the store succeeded (1) or failed (0)',
    registers: [registry],
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  const serialised = source.serialised?.bind(source);
  if (serialised) {
    new Counter({
      name: 'countersign_store_serialised_seconds_total',
      help: 'Seconds this replica spent in the section that serialises the deployment (SQLite: write transactions; PostgreSQL: audit integration batches)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(serialised().seconds);
      },
    });
    new Counter({
      name: 'countersign_store_serialised_entries_total',
      help: 'Times this replica entered that section (SQLite: group commits; PostgreSQL: integration batches)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(serialised().entries);
      },
    });
    new Counter({
      name: 'countersign_store_serialised_units_total',
      help: 'What those entries carried (SQLite: write transactions; PostgreSQL: audit events integrated)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(serialised().units);
      },
    });
  }
  for (const spec of STORE_GAUGES) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames ?? [],
      registers: [registry],
      async collect() {
        const stats = await snapshot();
        this.reset();
        if (stats) spec.fill(this, stats, source.now());
      },
    });
  }
  new Gauge({
    name: 'countersign_notification_provider_ready',
    help: 'Whether a configured notification provider has every secret it needs (1) or not (0)',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of source.providers()) this.set({ provider: p.provider }, p.ready ? 1 : 0);
    },
  });
}
