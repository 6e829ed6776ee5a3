/**
 * The audit log read as C2SP tlog-tiles (docs/audit-log.md "Tiles"): the latest checkpoint with
 * its cosignatures, hash tiles from the stored perfect nodes and entry bundles from the stored
 * events, all through the Store port, so whatever appends the log, tiles follow its nodes.
 *
 * An entry is the RFC 8785 (JCS) bytes of one event: its leaf hash is SHA-256(0x00 ‖ entry).
 * Every entry served is checked against its stored leaf: the tiles never disagree with the tree.
 */
import { Buffer } from 'node:buffer';
import {
  bytesEqual,
  encodeEntryBundle,
  encodeHashTile,
  entryRange,
  hashTileRefs,
  leafHash,
  tileExists,
  type TileRef,
} from '../audit/index.js';
import { readNodes } from '../audit/compact-range.js';
import type { Principal } from '../domain/principal.js';
import { ConflictError, ServiceError } from '../errors/index.js';
import { jcs } from '../lib/hash.js';
import { assertScope } from './access.js';
import type { ServiceDeps } from './ports.js';
import type { WitnessService } from './witness-service.js';

export type AuditTilesDeps = Pick<ServiceDeps, 'store'> & {
  witnesses: Pick<WitnessService, 'cosigned'>;
};

export function createAuditTiles(deps: AuditTilesDeps) {
  const read = (refs: readonly { level: number; index: number }[]) =>
    deps.store.readAuditNodes(refs);

  /** Tiles exist up to the committed tree size. */
  async function treeSize(): Promise<number> {
    return (await deps.store.auditHead()).size;
  }

  function notFound(tile: TileRef, size: number): never {
    throw new ConflictError(
      'not_found',
      `no such tile in the tree of size ${size}${tile.width < 256 ? ' (partial widths grow with the log)' : ''}`,
    );
  }

  /** The latest signed checkpoint with its stored witness cosignatures appended. */
  async function checkpoint(p: Principal): Promise<string> {
    assertScope(p, 'audit:read');
    const cp = await deps.store.latestCheckpoint();
    if (!cp) throw new ConflictError('not_found', 'no checkpoint yet: the log is empty');
    return (await deps.witnesses.cosigned(cp)).note;
  }

  async function hashTile(p: Principal, tile: TileRef): Promise<Uint8Array> {
    assertScope(p, 'audit:read');
    const size = await treeSize();
    if (tile.level === 'entries' || !tileExists(tile, size)) notFound(tile, size);
    return encodeHashTile(await readNodes(read, hashTileRefs(tile)));
  }

  async function entryBundle(p: Principal, tile: TileRef): Promise<Uint8Array> {
    assertScope(p, 'audit:read');
    const size = await treeSize();
    if (tile.level !== 'entries' || !tileExists(tile, size)) notFound(tile, size);
    const { first, count } = entryRange(tile);
    const rows = await deps.store.readAuditRows(first, count);
    const leaves = await readNodes(
      read,
      rows.map((r) => ({ level: 0, index: r.index })),
    );
    const entries = rows.map((r, i) => {
      // re-canonicalised: a store may reformat JSON (PostgreSQL jsonb)
      const bytes = Buffer.from(jcs(JSON.parse(r.eventJson) as unknown), 'utf8');
      if (r.index !== first + i || !bytesEqual(leafHash(bytes), leaves[i] as Uint8Array)) {
        throw new ServiceError(
          'audit_unavailable',
          `stored event ${first + i} does not match its leaf: run countersign audit verify`,
        );
      }
      return bytes;
    });
    if (entries.length !== count) {
      throw new ServiceError(
        'audit_unavailable',
        `stored events below ${first + count} are missing`,
      );
    }
    return encodeEntryBundle(entries);
  }

  return { checkpoint, hashTile, entryBundle };
}

export type AuditTiles = ReturnType<typeof createAuditTiles>;
