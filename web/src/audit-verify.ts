/** In-browser verification of listed audit events against the latest signed checkpoint. */
import { getJson, query } from './api.js';
import type { AuditItem, Checkpoint, InclusionProof, Jwk } from './types.js';
import {
  bytesEqual,
  fromHex,
  leafHash,
  parseCheckpoint,
  rootFromInclusionProof,
  toHex,
  verifyCheckpointSignature,
} from './verify.js';

/** Verifies the checkpoint signature and each event's inclusion under it; returns lines to show. */
export async function verifyEvents(items: AuditItem[]): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  const [cp, jwks] = await Promise.all([
    getJson<Checkpoint>('/v1/audit/checkpoint'),
    getJson<{ keys: Jwk[] }>('/.well-known/jwks.json'),
  ]);
  const parsed = parseCheckpoint(cp.note);
  if (!parsed) return { ok: false, lines: ['✗ the checkpoint note is malformed'] };
  let ok = true;
  const sig = await verifyCheckpointSignature(parsed, jwks.keys);
  lines.push(
    `${sig.ok ? '✓' : '✗'} checkpoint ${parsed.origin} size ${parsed.size}: ${sig.message}`,
  );
  ok &&= sig.ok;
  if (toHex(parsed.root) !== cp.rootHash || parsed.size !== cp.size) {
    lines.push('✗ the signed note and the checkpoint JSON disagree');
    ok = false;
  }
  let covered = 0;
  for (const item of items) {
    if (item.index >= parsed.size) {
      lines.push(
        `… event #${item.index} is newer than the checkpoint (size ${parsed.size}): verify again in a moment`,
      );
      ok = false;
      continue;
    }
    const proof = await getJson<InclusionProof>(
      `/v1/audit/proofs/inclusion${query({ index: item.index, size: parsed.size })}`,
    );
    const path = proof.proof.map(fromHex);
    // the leaf is recomputed from the event as listed, never taken from the server
    const leaf = await leafHash(item.event);
    const root = path.every((p) => p?.length === 32)
      ? await rootFromInclusionProof(item.index, parsed.size, leaf, path as Uint8Array[])
      : null;
    const good = root !== null && bytesEqual(root, parsed.root);
    lines.push(
      `${good ? '✓' : '✗'} event #${item.index} ${item.event.type}: ${good ? 'included in the signed tree' : 'NOT included: the event or the proof does not match the signed root'}`,
    );
    ok &&= good;
    if (good) covered++;
  }
  lines.unshift(
    ok
      ? `Verified: ${covered} event${covered === 1 ? '' : 's'} in the log signed at size ${parsed.size}.`
      : 'Verification FAILED.',
  );
  return { ok, lines };
}
