/**
 * Operational counts read at scrape time (metrics) from the store, so that every replica reports
 * the same, deployment-wide numbers: requests by state, outbox rows by provider and status, the
 * oldest undelivered row, and how far the audit log has grown past its newest signed checkpoint.
 * The SQL is the same in both dialects; each adapter runs it with its own reader.
 */

/** A snapshot of the moving parts. Times are ISO 8601 text as stored. */
export interface OpsStats {
  approvalsByState: { state: string; count: number }[];
  deliveries: { provider: string; status: string; count: number }[];
  /** Per provider: the creation time of its oldest row still to deliver (pending or failed). */
  oldestUndelivered: { provider: string; createdAt: string }[];
  auditSize: number;
  /** Audit events committed but not yet integrated into the tree, and the oldest one's age. */
  auditPending: { count: number; oldestAppendedAt: string | null };
  latestCheckpoint: { size: number; createdAt: string } | null;
}

export const OPS_STATS_SQL = {
  approvals: 'SELECT state, COUNT(*) AS n FROM approvals GROUP BY state',
  deliveries: 'SELECT provider, status, COUNT(*) AS n FROM deliveries GROUP BY provider, status',
  oldest:
    "SELECT provider, MIN(created_at) AS oldest FROM deliveries WHERE status IN ('pending', 'failed') GROUP BY provider",
  auditSize: 'SELECT size FROM audit_head WHERE id = 1',
  checkpoint: 'SELECT size, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1',
  auditPending: 'SELECT COUNT(*) AS n, MIN(appended_at) AS oldest FROM audit_pending',
} as const;

type Row = Record<string, unknown>;

/** Runs the queries with `query` (rows as plain objects) and shapes the answer. */
export async function readOpsStats(query: (sql: string) => Promise<Row[]>): Promise<OpsStats> {
  const [approvals, deliveries, oldest, head, checkpoint, pending] = await Promise.all([
    query(OPS_STATS_SQL.approvals),
    query(OPS_STATS_SQL.deliveries),
    query(OPS_STATS_SQL.oldest),
    query(OPS_STATS_SQL.auditSize),
    query(OPS_STATS_SQL.checkpoint),
    query(OPS_STATS_SQL.auditPending),
  ]);
  // PostgreSQL answers COUNT(*) and BIGINT as text: Number() reads both
  const cp = checkpoint[0];
  return {
    approvalsByState: approvals.map((r) => ({ state: String(r.state), count: Number(r.n) })),
    deliveries: deliveries.map((r) => ({
      provider: String(r.provider),
      status: String(r.status),
      count: Number(r.n),
    })),
    oldestUndelivered: oldest.map((r) => ({
      provider: String(r.provider),
      createdAt: String(r.oldest),
    })),
    auditSize: Number(head[0]?.size ?? 0),
    auditPending: {
      count: Number(pending[0]?.n ?? 0),
      oldestAppendedAt: pending[0]?.oldest == null ? null : String(pending[0].oldest),
    },
    latestCheckpoint: cp ? { size: Number(cp.size), createdAt: String(cp.created_at) } : null,
  };
}
