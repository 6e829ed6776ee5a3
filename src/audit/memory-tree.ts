/**
 * An in-memory tree: a compact range plus every perfect node, packed 32 bytes per node in one
 * growable buffer per level. For tests, benchmarks and tools; the same shape a store persists.
 */
import { HASH_SIZE } from './hash.js';
import { type CompactRange, type NodeReader, RangeAccumulator } from './compact-range.js';
import type { NodeRef } from './tree-math.js';

interface Level {
  buf: Uint8Array;
  count: number;
}

export class MemoryTree {
  private readonly acc = new RangeAccumulator();
  private readonly levels: Level[] = [];

  get size(): number {
    return this.acc.size;
  }

  /** Appends a leaf hash and stores every perfect node it completes. */
  append(leaf: Uint8Array): void {
    this.acc.append(leaf, (level, index, hash) => this.put(level, index, hash));
  }

  root(): Uint8Array {
    return this.acc.root();
  }

  compactRange(): CompactRange {
    return this.acc.toCompactRange();
  }

  /** The stored node, or undefined when it does not exist (yet). */
  get(level: number, index: number): Uint8Array | undefined {
    const l = this.levels[level];
    if (l === undefined || !Number.isSafeInteger(index) || index < 0 || index >= l.count) {
      return undefined;
    }
    return l.buf.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** A {@link NodeReader} over this tree. */
  readonly read: NodeReader = (refs: readonly NodeRef[]) =>
    Promise.resolve(refs.map((r) => this.get(r.level, r.index)));

  private put(level: number, index: number, hash: Uint8Array): void {
    let l = this.levels[level];
    if (l === undefined) {
      l = { buf: new Uint8Array(HASH_SIZE * 1024), count: 0 };
      this.levels[level] = l;
    }
    // Appends complete nodes of each level strictly left to right.
    if (index !== l.count) throw new Error(`node (level ${level}, index ${index}) out of order`);
    if ((index + 1) * HASH_SIZE > l.buf.length) {
      const bigger = new Uint8Array(l.buf.length * 2);
      bigger.set(l.buf);
      l.buf = bigger;
    }
    l.buf.set(hash, index * HASH_SIZE);
    l.count++;
  }
}
