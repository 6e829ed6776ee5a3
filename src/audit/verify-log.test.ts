import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../domain/audit-event.js';
import { jcs } from '../lib/hash.js';
import { type CheckpointSigner, formatCheckpointBody, signCheckpoint } from './checkpoint.js';
import {
  type CompactRange,
  type NodeReader,
  appendLeaf,
  emptyCompactRange,
  rootOf,
} from './compact-range.js';
import { eventLeafHash, toHex } from './hash.js';
import { type LogRow, type LogSource, verifyLog } from './verify-log.js';
import { testAuditEvent, testCheckpointSigner } from './test-fixtures.js';

const ORIGIN = 'audit.example/countersign';

const newSigner = (): CheckpointSigner => testCheckpointSigner(ORIGIN);
const signer = newSigner();

const event = testAuditEvent;

/** An in-memory store: event rows, a node table, the compact range row, checkpoint notes. */
interface Store {
  rows: LogRow[];
  nodes: Map<string, Uint8Array>;
  range: CompactRange;
  notes: string[];
}

const key = (level: number, index: number): string => `${level}/${index}`;

function build(events: readonly AuditEvent[]): Store {
  const store: Store = { rows: [], nodes: new Map(), range: emptyCompactRange(), notes: [] };
  for (const [index, e] of events.entries()) {
    // Stored with a different key order: verification re-canonicalises.
    store.rows.push({
      index,
      eventJson: JSON.stringify(Object.fromEntries(Object.entries(e).reverse())),
    });
    const { range, newNodes } = appendLeaf(store.range, eventLeafHash(e));
    for (const n of newNodes) store.nodes.set(key(n.level, n.index), n.hash);
    store.range = range;
  }
  return store;
}

async function checkpointAt(
  store: Store,
  size: number,
  s: CheckpointSigner = signer,
): Promise<string> {
  let range = emptyCompactRange();
  for (const row of store.rows.slice(0, size)) {
    range = appendLeaf(range, eventLeafHash(JSON.parse(row.eventJson))).range;
  }
  return signCheckpoint(formatCheckpointBody({ origin: ORIGIN, size, root: rootOf(range) }), s);
}

const events = Array.from({ length: 40 }, (_, i) => event(i));

async function signedStore(): Promise<Store> {
  const store = build(events);
  store.notes = [
    await checkpointAt(store, 8),
    await checkpointAt(store, 20),
    await checkpointAt(store, 37),
  ];
  return store;
}

function source(store: Store, extra: Partial<LogSource> = {}): LogSource {
  const readNodes: NodeReader = (refs) =>
    Promise.resolve(refs.map((r) => store.nodes.get(key(r.level, r.index))));
  return {
    events: store.rows,
    readNodes,
    compactRange: store.range,
    checkpoints: { notes: store.notes, keys: signer, origin: ORIGIN },
    ...extra,
  };
}

describe('verifyLog', () => {
  it('an untouched log verifies: every node, every checkpoint, the compact range', async () => {
    const store = await signedStore();
    assert.deepEqual(await verifyLog(source(store)), {
      ok: true,
      size: 40,
      root: toHex(rootOf(store.range)),
      checkpoints: 3,
    });
  });

  it('a changed event is `changed` at its index', async () => {
    const store = await signedStore();
    store.rows[13] = { index: 13, eventJson: JSON.stringify(event(13, 'rejected')) };
    assert.deepEqual(await verifyLog(source(store)), {
      ok: false,
      firstBadIndex: 13,
      problem: 'changed',
      message: 'event 13 does not match its stored leaf hash',
    });
  });

  it('an event row that is not JSON is `changed`', async () => {
    const store = await signedStore();
    store.rows[2] = { index: 2, eventJson: '{"schema":' };
    const r = await verifyLog(source(store));
    assert.deepEqual([r.ok, !r.ok && r.firstBadIndex, !r.ok && r.problem], [false, 2, 'changed']);
  });

  it('a deleted row is `missing` at the gap', async () => {
    const store = await signedStore();
    store.rows.splice(5, 1);
    assert.deepEqual(await verifyLog(source(store)), {
      ok: false,
      firstBadIndex: 5,
      problem: 'missing',
      message: 'no event row at index 5',
    });
  });

  it('two swapped rows are `reordered` at the first, naming where the event belongs', async () => {
    const store = await signedStore();
    const [a, b] = [store.rows[10] as LogRow, store.rows[11] as LogRow];
    store.rows[10] = { index: 10, eventJson: b.eventJson };
    store.rows[11] = { index: 11, eventJson: a.eventJson };
    assert.deepEqual(await verifyLog(source(store)), {
      ok: false,
      firstBadIndex: 10,
      problem: 'reordered',
      message: 'event at index 10 is the event logged at index 11',
    });
  });

  it('rows swapped across read chunks are still `reordered`', async () => {
    const store = await signedStore();
    const [a, b] = [store.rows[3] as LogRow, store.rows[33] as LogRow];
    store.rows[3] = { index: 3, eventJson: b.eventJson };
    store.rows[33] = { index: 33, eventJson: a.eventJson };
    const r = await verifyLog(source(store), { chunkSize: 4 });
    assert.deepEqual(r, {
      ok: false,
      firstBadIndex: 3,
      problem: 'reordered',
      message: 'event at index 3 is the event logged at index 33',
    });
  });

  it('a checkpoint with a bad signature is `bad_signature`, after the last good checkpoint', async () => {
    const store = await signedStore();
    const note = store.notes[1] as string;
    const at = note.lastIndexOf(' ') + 20;
    store.notes[1] = `${note.slice(0, at)}${note[at] === 'A' ? 'B' : 'A'}${note.slice(at + 1)}`;
    assert.deepEqual(await verifyLog(source(store)), {
      ok: false,
      firstBadIndex: 8,
      problem: 'bad_signature',
      message: `checkpoint #1: signature by ${ORIGIN} does not verify`,
      checkpoint: { position: 1, size: 20 },
    });
  });

  it('a checkpoint signed by an untrusted key is `bad_signature`', async () => {
    const store = await signedStore();
    store.notes[0] = await checkpointAt(store, 8, newSigner());
    const r = await verifyLog(source(store));
    assert.equal(!r.ok && r.problem, 'bad_signature');
    assert.equal(!r.ok && r.firstBadIndex, 0);
  });

  it('a rewritten tail with recomputed nodes but a stale checkpoint is `root_mismatch`', async () => {
    const signed = await signedStore();
    const rewritten = build([
      ...events.slice(0, 25),
      ...events.slice(25).map((_e, i) => event(25 + i, 'denied')),
    ]);
    rewritten.notes = signed.notes;
    assert.deepEqual(await verifyLog(source(rewritten)), {
      ok: false,
      firstBadIndex: 20,
      problem: 'root_mismatch',
      message: 'checkpoint #2 root differs from the recomputed root at size 37',
      checkpoint: { position: 2, size: 37 },
    });
  });

  it('a changed event is reported before a later bad checkpoint', async () => {
    const store = await signedStore();
    store.rows[30] = { index: 30, eventJson: JSON.stringify(event(30, 'rejected')) };
    store.notes[2] = (store.notes[2] as string).replace('\n37\n', '\n38\n');
    const r = await verifyLog(source(store));
    assert.deepEqual([!r.ok && r.firstBadIndex, !r.ok && r.problem], [30, 'changed']);
  });

  it('a tampered interior node is `node_mismatch` at the first leaf it covers', async () => {
    const store = await signedStore();
    store.nodes.set(key(2, 3), Buffer.alloc(32, 7));
    assert.deepEqual(await verifyLog(source(store)), {
      ok: false,
      firstBadIndex: 12,
      problem: 'node_mismatch',
      message: 'stored node (level 2, index 3) differs from the recomputed hash',
    });
  });

  it('a lost leaf node is `node_missing` at its index', async () => {
    const store = await signedStore();
    store.nodes.delete(key(0, 17));
    const r = await verifyLog(source(store));
    assert.deepEqual([!r.ok && r.firstBadIndex, !r.ok && r.problem], [17, 'node_missing']);
  });

  it('a tampered compact range row is `node_mismatch`', async () => {
    const store = await signedStore();
    store.range = { ...store.range, hashes: [...store.range.hashes] };
    store.range.hashes[1] = 'ab'.repeat(32); // 40 = 32 + 8: the second hash covers leaves 32–39
    const r = await verifyLog(source(store));
    assert.deepEqual([!r.ok && r.firstBadIndex, !r.ok && r.problem], [32, 'node_mismatch']);
  });

  it('rows past the logged tree size are `extra`; a truncated tail is `missing`', async () => {
    const store = await signedStore();
    const short = { ...store.range, size: 39, hashes: [] };
    let range = emptyCompactRange();
    for (const e of events.slice(0, 39)) range = appendLeaf(range, eventLeafHash(e)).range;
    Object.assign(short, range);
    const r1 = await verifyLog(source(store, { compactRange: short }));
    assert.deepEqual([!r1.ok && r1.firstBadIndex, !r1.ok && r1.problem], [39, 'extra']);

    store.rows.length = 38;
    const r2 = await verifyLog(source(store));
    assert.deepEqual(
      [!r2.ok && r2.firstBadIndex, !r2.ok && r2.problem, !r2.ok && r2.message],
      [38, 'missing', 'no event row at index 38 (logged size 40)'],
    );
  });

  it('a checkpoint past the end of the events is `missing` at the end', async () => {
    const store = await signedStore();
    store.rows.length = 30;
    const r = await verifyLog(source(store, { compactRange: undefined }));
    assert.deepEqual(r, {
      ok: false,
      firstBadIndex: 30,
      problem: 'missing',
      message: 'checkpoint #2 covers 37 events but the log has 30',
      checkpoint: { position: 2, size: 37 },
    });
  });

  it('a row index that repeats is `malformed`', async () => {
    const store = await signedStore();
    store.rows[6] = { ...(store.rows[6] as LogRow), index: 5 };
    const r = await verifyLog(source(store));
    assert.deepEqual([!r.ok && r.firstBadIndex, !r.ok && r.problem], [6, 'malformed']);
  });

  it('an unparseable checkpoint or one for another origin is `bad_checkpoint`', async () => {
    const store = await signedStore();
    store.notes.push('garbage');
    const r1 = await verifyLog(source(store));
    assert.deepEqual(!r1.ok && r1.checkpoint, { position: 3, size: null });
    assert.equal(!r1.ok && r1.problem, 'bad_checkpoint');
    store.notes.pop();
    const r2 = await verifyLog(
      source(store, { checkpoints: { notes: store.notes, keys: signer, origin: 'other' } }),
    );
    assert.deepEqual([!r2.ok && r2.problem, !r2.ok && r2.firstBadIndex], ['bad_checkpoint', 0]);
  });

  it('reads the node table once per chunk, and skips level-0 reads when rows carry leaf hashes', async () => {
    const store = await signedStore();
    const refsRead: number[] = [];
    const base = source(store);
    const counting: NodeReader = (refs) => {
      refsRead.push(refs.length);
      return base.readNodes(refs);
    };
    assert.equal(
      (await verifyLog({ ...base, readNodes: counting, checkpoints: undefined }, { chunkSize: 16 }))
        .ok,
      true,
    );
    assert.deepEqual(refsRead.length, 3); // 40 events in chunks of 16
    refsRead.length = 0;
    const withLeaves = store.rows.map((r) => ({
      ...r,
      storedLeafHash: store.nodes.get(key(0, r.index)) as Uint8Array,
    }));
    const r = await verifyLog(
      { ...base, events: withLeaves, readNodes: counting, checkpoints: undefined },
      { chunkSize: 16 },
    );
    assert.equal(r.ok, true);
    // Only the perfect interior nodes of a 40-leaf tree: 20 + 10 + 5 + 2 + 1.
    assert.equal(
      refsRead.reduce((a, b) => a + b, 0),
      38,
    );
  });

  it('a store that keeps the exact JCS text verifies, and editing that text is `changed`', async () => {
    const store = await signedStore();
    store.rows = events.map((e, index) => ({ index, eventJson: jcs(e) }));
    assert.equal((await verifyLog(source(store))).ok, true);
    const row = store.rows[21] as LogRow;
    row.eventJson = row.eventJson.replace('"outcome":"allowed"', '"outcome":"denied"');
    const r = await verifyLog(source(store));
    assert.deepEqual([!r.ok && r.firstBadIndex, !r.ok && r.problem], [21, 'changed']);
  });

  it('a store that serves other nodes for proofs than for the walk is `inconsistent`', async () => {
    const store = await signedStore();
    const base = source(store);
    let calls = 0;
    // Reads 1 and 2 check events up to the checkpoints at 8 and 20; read 3 serves the 8 → 20 proof.
    const lying: NodeReader = async (refs) => {
      const got = await base.readNodes(refs);
      return ++calls === 3 ? [Buffer.alloc(32, 1), ...got.slice(1)] : got;
    };
    assert.deepEqual(await verifyLog({ ...base, readNodes: lying }), {
      ok: false,
      firstBadIndex: 8,
      problem: 'inconsistent',
      message: 'checkpoint #1 is not consistent with size 8',
      checkpoint: { position: 1, size: 20 },
    });
  });

  it('streams rows from an async iterator', async () => {
    const store = await signedStore();
    async function* rows(): AsyncGenerator<LogRow> {
      for (const r of store.rows) yield await Promise.resolve(r);
    }
    assert.equal((await verifyLog(source(store, { events: rows() }))).ok, true);
  });
});
