import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCheckpointBody, signCheckpoint } from './checkpoint.js';
import { type CompactRange, appendLeaf, emptyCompactRange, rootOf } from './compact-range.js';
import { eventLeafHash } from './hash.js';
import { type LogRow, verifyLog } from './verify-log.js';
import type { VerifyLogResult } from './verify-log-result.js';
import { type ParallelLogSource, verifyLogParallel } from './verify-parallel.js';
import { testAuditEvent, testCheckpointSigner } from './test-fixtures.js';

const ORIGIN = 'audit.example/countersign';
const signer = testCheckpointSigner(ORIGIN);
const event = (i: number) => testAuditEvent(i);

interface Log {
  rows: LogRow[];
  nodes: Map<string, Uint8Array>;
  range: CompactRange;
  notes: string[];
}

const key = (level: number, index: number) => `${level}/${index}`;

async function build(n: number, checkpointSizes: number[]): Promise<Log> {
  const log: Log = { rows: [], nodes: new Map(), range: emptyCompactRange(), notes: [] };
  const roots = new Map<number, Uint8Array>();
  for (let index = 0; index < n; index++) {
    const e = event(index);
    // stored with another key order on some rows: both paths re-canonicalise
    const obj = index % 3 === 0 ? Object.fromEntries(Object.entries(e).reverse()) : e;
    log.rows.push({ index, eventJson: JSON.stringify(obj) });
    const { range, newNodes } = appendLeaf(log.range, eventLeafHash(e));
    for (const node of newNodes) log.nodes.set(key(node.level, node.index), node.hash);
    log.range = range;
    roots.set(range.size, rootOf(range));
  }
  for (const size of checkpointSizes) {
    const root = roots.get(size) as Uint8Array;
    log.notes.push(
      await signCheckpoint(formatCheckpointBody({ origin: ORIGIN, size, root }), signer),
    );
  }
  return log;
}

/** Both verifiers over the same log: the parallel answer and whether it fell back. */
async function both(
  log: Log,
  chunkLeaves: number,
): Promise<{ parallel: VerifyLogResult; sequential: VerifyLogResult; fellBack: boolean }> {
  const readNodes = (refs: readonly { level: number; index: number }[]) =>
    Promise.resolve(refs.map((r) => log.nodes.get(key(r.level, r.index))));
  const checkpoints = { notes: log.notes, keys: signer, origin: ORIGIN };
  const sequential = () =>
    verifyLog({ events: log.rows, readNodes, compactRange: log.range, checkpoints });
  const source: ParallelLogSource = {
    compactRange: log.range,
    readRows: async (from, limit) => log.rows.filter((r) => r.index >= from).slice(0, limit),
    readNodeRange: async (level, from, count) =>
      Array.from({ length: count }, (_, i) => log.nodes.get(key(level, from + i))),
    readNodes,
    checkpoints,
  };
  let fellBack = false;
  const parallel = await verifyLogParallel(
    source,
    () => {
      fellBack = true;
      return sequential();
    },
    { chunkLeaves, threads: 2 },
  );
  return { parallel, sequential: await sequential(), fellBack };
}

describe('parallel full verification', () => {
  for (const chunk of [2, 4, 16, 64]) {
    it(`a healthy log of 45 events (chunks of ${chunk}) verifies in parallel with the same answer`, async () => {
      const log = await build(45, [8, 20, 37, 45]);
      const r = await both(log, chunk);
      assert.equal(r.fellBack, false);
      assert.equal(r.parallel.ok, true);
      assert.deepEqual(r.parallel, r.sequential);
    });
  }

  it('an empty log and one with no checkpoints verify the same way', async () => {
    for (const log of [await build(0, []), await build(33, [])]) {
      const r = await both(log, 4);
      assert.equal(r.fellBack, false);
      assert.deepEqual(r.parallel, r.sequential);
    }
  });

  const tamperings: [string, (log: Log) => void][] = [
    [
      'an event rewritten',
      (log) => {
        const row = log.rows[13] as LogRow;
        row.eventJson = row.eventJson.replace('allowed', 'denied');
      },
    ],
    ['a row deleted', (log) => void log.rows.splice(21, 1)],
    [
      'two rows swapped',
      (log) => {
        const [a, b] = [log.rows[5] as LogRow, log.rows[6] as LogRow];
        [a.eventJson, b.eventJson] = [b.eventJson, a.eventJson];
      },
    ],
    ['a stored leaf missing', (log) => void log.nodes.delete(key(0, 30))],
    ['an interior node changed', (log) => void log.nodes.set(key(3, 2), new Uint8Array(32))],
    ['a node above the chunks changed', (log) => void log.nodes.set(key(5, 0), new Uint8Array(32))],
    ['a row past the logged size', (log) => void log.rows.push({ index: 45, eventJson: '{}' })],
    [
      'a checkpoint signature altered',
      (log) => {
        log.notes[1] = (log.notes[1] as string).replace(
          /\u2014 (\S+) (\S)/,
          (_m, n: string, c: string) => `\u2014 ${n} ${c === 'A' ? 'B' : 'A'}`,
        );
      },
    ],
    [
      'the compact range row changed',
      (log) => {
        log.range = { ...log.range, hashes: [...log.range.hashes].reverse() };
      },
    ],
  ];
  for (const [name, tamper] of tamperings) {
    it(`${name}: the sequential pass reports it, exactly as on its own`, async () => {
      const log = await build(45, [8, 20, 37]);
      tamper(log);
      const r = await both(log, 4);
      assert.equal(r.fellBack, true);
      assert.equal(r.parallel.ok, false);
      assert.deepEqual(r.parallel, r.sequential);
    });
  }

  it('a chunk width that is not a power of two is refused', async () => {
    const log = await build(4, []);
    await assert.rejects(
      verifyLogParallel(
        {
          compactRange: log.range,
          readRows: async () => [],
          readNodeRange: async () => [],
          readNodes: async () => [],
        },
        () => Promise.reject(new Error('unused')),
        { chunkLeaves: 6 },
      ),
      TypeError,
    );
  });
});
