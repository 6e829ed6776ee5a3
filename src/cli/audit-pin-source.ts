/** What `audit verify` needs to pin a local log: its origin, checkpoint keys and checkpoints. */
import { appendSignatureLines, type NoteKey } from '../audit/index.js';
import { createCheckpointKeys } from '../credentials/checkpoint-keys.js';
import type { Runtime } from '../runtime.js';

export interface AuditPinSource {
  origin: string;
  /** Every checkpoint key of the deployment (active and retired). */
  logKeys: NoteKey[];
  /** Stored checkpoint notes with every stored cosignature line appended, newest first. */
  checkpoints: string[];
}

export async function localAuditPinSource(rt: Runtime): Promise<AuditPinSource> {
  const origin = rt.config.audit.origin;
  const stored = await rt.store.listCheckpoints();
  const checkpoints: string[] = [];
  for (const c of stored.reverse()) {
    const lines = (await rt.store.listCosignatures(c.size)).map((r) => r.line);
    checkpoints.push(appendSignatureLines(c.note, lines));
  }
  return {
    origin,
    logKeys: createCheckpointKeys(rt.keyRing, origin).verifierKeys(),
    checkpoints,
  };
}
