/**
 * Appending one event to the Merkle log, for any adapter: read the head (size + compact range)
 * under the adapter's write serialisation, hash the JCS bytes into a leaf, store the event, the
 * new perfect-subtree nodes and the new head. O(log n) work and writes, inside the caller's
 * transaction; any failure becomes `audit_unavailable` so the state change rolls back.
 */
import type { AuditEvent } from '../domain/audit-event.js';
import { ServiceError } from '../errors/index.js';
import { jcs } from '../lib/hash.js';
import { appendToCompactRange, parseCompactRange, serializeCompactRange } from './merkle-head.js';

export interface AuditAppendIo {
  readHead(): Promise<{ size: number; compactRange: string }>;
  writeEvent(index: number, event: AuditEvent, json: string): Promise<void>;
  writeNodes(nodes: { level: number; index: number; hash: Uint8Array }[]): Promise<void>;
  writeHead(size: number, compactRange: string): Promise<void>;
}

export async function appendAuditEvent(io: AuditAppendIo, event: AuditEvent): Promise<number> {
  try {
    const head = await io.readHead();
    const json = jcs(event);
    const range = parseCompactRange(head.size, head.compactRange);
    const { range: next, newNodes } = appendToCompactRange(range, Buffer.from(json, 'utf8'));
    await io.writeEvent(head.size, event, json);
    await io.writeNodes(newNodes);
    await io.writeHead(head.size + 1, serializeCompactRange(next));
    return head.size;
  } catch (err) {
    throw new ServiceError('audit_unavailable', 'the audit log could not be written', {
      cause: err,
    });
  }
}
