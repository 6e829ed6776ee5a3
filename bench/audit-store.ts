/**
 * The audit log on the real SQLite store: appends per second (durable: one event per
 * transaction; batched: many per transaction), inclusion-proof time and full verification time at
 * a large size, beside the raw SHA-256 rate of the same bytes measured in the same run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inclusionProof, rootAt, verifyInclusion, eventLeafHash } from '../src/audit/index.js';
import type { AuditEvent } from '../src/domain/audit-event.js';
import { jcs } from '../src/lib/hash.js';
import { createAuditService } from '../src/services/audit-service.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../src/lib/clock.js';
import { opsPerSecond, rateFigure, type BenchFigure } from './lib.js';

function sampleEvent(i: number): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type: 'gate.allowed',
    eventId: `evt_${i.toString(36).padStart(10, '0')}`,
    at: new Date(1_700_000_000_000 + i).toISOString(),
    actor: { id: 'apikey:benchbench001', kind: 'apikey', name: 'bench' },
    environment: 'prod',
    project: 'shop',
    approvalId: 'apr_bench',
    decisionId: `dec_${i}`,
    approvalRequired: true,
    requiredCapabilities: ['deploy'],
    outcome: 'allowed',
    reasonCode: 'approval_required',
    actionHash: `sha256:${'a'.repeat(64)}`,
    specHash: `sha256:${'b'.repeat(64)}`,
    details: { kind: 'deploy', mode: 'execute', jti: `crd_${i}` },
  };
}

export async function benchAuditStore(largeSize = 1_000_000): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-audit-'));
  const store = new SqliteStore({ path: join(dir, 'bench.db') });
  await store.migrate();
  try {
    const bytes = Buffer.from(jcs(sampleEvent(0)), 'utf8');
    const sha = await opsPerSecond(() => createHash('sha256').update(bytes).digest(), { ms: 1000 });

    let i = 0;
    const durable = await opsPerSecond(
      () => store.transaction(async (tx) => tx.appendAudit(sampleEvent(i++))),
      { ms: 2000, batch: 20 },
    );
    const batchSize = 1000;
    const batchedStart = performance.now();
    let batchedCount = 0;
    while (performance.now() - batchedStart < 3000) {
      await store.transaction(async (tx) => {
        for (let k = 0; k < batchSize; k++) await tx.appendAudit(sampleEvent(i++));
      });
      batchedCount += batchSize;
    }
    const batched = (batchedCount / (performance.now() - batchedStart)) * 1000;

    // grow to the large size with batched appends
    const growStart = performance.now();
    while ((await store.auditSize()) < largeSize) {
      const n = Math.min(5000, largeSize - (await store.auditSize()));
      await store.transaction(async (tx) => {
        for (let k = 0; k < n; k++) await tx.appendAudit(sampleEvent(i++));
      });
    }
    const growMs = performance.now() - growStart;
    const size = await store.auditSize();
    const read = (refs: readonly { level: number; index: number }[]) => store.readAuditNodes(refs);
    const root = await rootAt(size, read);
    const proofRuns = 200;
    const proofStart = performance.now();
    for (let k = 0; k < proofRuns; k++) {
      const index = Math.floor((k * 7919 * 104729) % size);
      const proof = await inclusionProof(index, size, read);
      const [row] = await store.readAuditRows(index, 1);
      const leaf = eventLeafHash(JSON.parse((row as { eventJson: string }).eventJson));
      if (!verifyInclusion(leaf, index, size, proof, root)) throw new Error('proof did not verify');
    }
    const proofMs = (performance.now() - proofStart) / proofRuns;

    const audit = createAuditService({ store, clock: systemClock, auditKeys: null });
    const verifyStart = performance.now();
    const result = await audit.verify();
    const verifyMs = performance.now() - verifyStart;
    if (!result.ok) throw new Error(`verification failed: ${JSON.stringify(result)}`);
    // the same verification in one sequential pass (a chunk wider than the log), same run
    const onePassStart = performance.now();
    const onePass = await audit.verify({ parallel: { chunkLeaves: 2 ** 40 } });
    const onePassMs = performance.now() - onePassStart;
    if (!onePass.ok) throw new Error(`verification failed: ${JSON.stringify(onePass)}`);
    const rawHashMs = (size / sha) * 1000;

    return [
      rateFigure(
        'audit append, durable (one event per transaction, SQLite WAL)',
        durable,
        'raw SHA-256 of the event bytes',
        sha,
      ),
      rateFigure(
        `audit append, batched (${batchSize} events per transaction)`,
        batched,
        'raw SHA-256 of the event bytes',
        sha,
      ),
      {
        name: `inclusion proof at ${size.toLocaleString('en-US')} events (generate from SQLite + verify)`,
        value: proofMs,
        unit: 'ms',
        note: `tree grown in ${(growMs / 1000).toFixed(1)} s`,
      },
      {
        name: `full verification of ${size.toLocaleString('en-US')} events from SQLite`,
        value: verifyMs / 1000,
        unit: 's',
        baseline: {
          name: 'raw SHA-256 of the same number of events',
          value: rawHashMs / 1000,
          unit: 's',
        },
        ratio: rawHashMs / verifyMs,
        note: `worker threads over subtrees; one sequential pass took ${(onePassMs / 1000).toFixed(1)} s`,
      },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
