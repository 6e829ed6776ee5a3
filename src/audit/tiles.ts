/**
 * The C2SP tlog-tiles layout (c2sp.org/tlog-tiles) over the stored perfect subtrees: hash tiles of
 * 256 hashes (height 8), entry bundles of 256 entries, and their paths. Pure: a caller reads the
 * nodes and event texts a tile names and serves the bytes.
 *
 * Tile paths arrive from the network: parse defensively; nothing here throws for a bad path.
 */
import { HASH_SIZE } from './hash.js';
import { type NodeRef, isTreeSize } from './tree-math.js';

/** Levels of the tree one tile spans. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile and entries in a full entry bundle. */
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** An entry is prefixed by a big-endian uint16 length, so it holds at most this many bytes. */
export const MAX_ENTRY_SIZE = 0xffff;

/**
 * A tile: `level` is the tile level (hashes of tree level 8·level), or `'entries'` for an entry
 * bundle; `index` counts tiles of that level from the left; `width` is 1–256 (256 = full).
 */
export interface TileRef {
  level: number | 'entries';
  index: number;
  width: number;
}

const ELEMENT_RE = /^(?:x[0-9]{3}\/)*[0-9]{3}$/;

/** The tile index as path elements: zero-padded groups of three digits, all but the last `x`-prefixed. */
export function formatTileIndex(index: number): string {
  if (!isTreeSize(index)) throw new TypeError('tile index must be a non-negative safe integer');
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups = digits.match(/[0-9]{3}/g) as string[];
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`. */
export function tilePath(tile: TileRef): string {
  const partial = tile.width < TILE_WIDTH ? `.p/${tile.width}` : '';
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${partial}`;
}

function parseIndex(text: string): number | undefined {
  if (!ELEMENT_RE.test(text)) return undefined;
  const n = Number(text.replace(/x|\//g, ''));
  // the encoding is canonical: no leading zero groups beyond the last
  if (!isTreeSize(n) || formatTileIndex(n) !== text) return undefined;
  return n;
}

/**
 * Parses the part of a tile URL after `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
 * Undefined for anything that is not the one canonical spelling of a tile.
 */
export function parseTilePath(rest: string): TileRef | undefined {
  if (typeof rest !== 'string' || rest.length > 200) return undefined;
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const levelText = rest.slice(0, slash);
  let tail = rest.slice(slash + 1);
  let width = TILE_WIDTH;
  const p = tail.indexOf('.p/');
  if (p >= 0) {
    const w = tail.slice(p + 3);
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) >= TILE_WIDTH) return undefined;
    width = Number(w);
    tail = tail.slice(0, p);
  }
  const index = parseIndex(tail);
  if (index === undefined) return undefined;
  if (levelText === 'entries') return { level: 'entries', index, width };
  // levels of a tree of at most 2^53 leaves: 0–6
  if (!/^[0-6]$/.test(levelText)) return undefined;
  return { level: Number(levelText), index, width };
}

/** The first position (leaf for entries, hash of level 8·L otherwise) a tile holds. */
function firstPosition(tile: TileRef): number {
  return tile.index * TILE_WIDTH;
}

/** True when every hash or entry of the tile exists in a tree of `size` leaves. */
export function tileExists(tile: TileRef, size: number): boolean {
  const level = tile.level === 'entries' ? 0 : tile.level;
  const perHash = 2 ** (TILE_HEIGHT * level);
  const end = firstPosition(tile) + tile.width;
  return Number.isSafeInteger(end * perHash) && end * perHash <= size;
}

/** The stored perfect nodes (tree level 8·L) whose hashes make up a hash tile, left to right. */
export function hashTileRefs(tile: TileRef): NodeRef[] {
  if (tile.level === 'entries') throw new TypeError('an entry bundle holds entries, not hashes');
  const level = tile.level * TILE_HEIGHT;
  const first = firstPosition(tile);
  return Array.from({ length: tile.width }, (_, i) => ({ level, index: first + i }));
}

/** The leaf indices an entry bundle holds: [first, first + width). */
export function entryRange(tile: TileRef): { first: number; count: number } {
  return { first: firstPosition(tile), count: tile.width };
}

/** A hash tile's bytes: its hashes concatenated. */
export function encodeHashTile(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) throw new TypeError(`hash ${i} is not ${HASH_SIZE} bytes`);
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

/** An entry bundle's bytes: each entry as a big-endian uint16 length and its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const [i, e] of entries.entries()) {
    if (e.length > MAX_ENTRY_SIZE) {
      throw new RangeError(
        `entry ${i} is ${e.length} bytes; entries hold at most ${MAX_ENTRY_SIZE}`,
      );
    }
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Splits an entry bundle into its entries; undefined when the framing is broken. */
export function decodeEntryBundle(bytes: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    const len = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + len > bytes.length) return undefined;
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}
