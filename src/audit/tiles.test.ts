import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  formatTileIndex,
  hashTileRefs,
  parseTilePath,
  tileExists,
  tilePath,
} from './tiles.js';

describe('tlog-tiles paths', () => {
  test('tile indices are groups of three digits, all but the last x-prefixed', () => {
    assert.equal(formatTileIndex(0), '000');
    assert.equal(formatTileIndex(5), '005');
    assert.equal(formatTileIndex(1234), 'x001/234');
    assert.equal(formatTileIndex(1234067), 'x001/x234/067');
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 'entries', index: 2, width: 17 }), 'tile/entries/002.p/17');
  });

  test('parsing accepts exactly the canonical spelling', () => {
    assert.deepEqual(parseTilePath('0/x001/234'), { level: 0, index: 1234, width: 256 });
    assert.deepEqual(parseTilePath('entries/000.p/5'), { level: 'entries', index: 0, width: 5 });
    assert.deepEqual(parseTilePath('2/001.p/255'), { level: 2, index: 1, width: 255 });
    for (const bad of [
      '0/1',
      '0/0001',
      '0/x000/001',
      '0/001.p/256',
      '0/001.p/0',
      '0/001.p/07',
      '7/000',
      'x/000',
      '0/000/',
      '../000',
      'entries/000.p/',
      '',
    ]) {
      assert.equal(parseTilePath(bad), undefined, bad);
    }
  });

  test('a tile exists only when all its hashes or entries do', () => {
    assert.equal(tileExists({ level: 0, index: 0, width: 256 }, 255), false);
    assert.equal(tileExists({ level: 0, index: 0, width: 255 }, 255), true);
    assert.equal(tileExists({ level: 'entries', index: 1, width: 1 }, 257), true);
    assert.equal(tileExists({ level: 1, index: 0, width: 1 }, 255), false);
    assert.equal(tileExists({ level: 1, index: 0, width: 1 }, 256), true);
    assert.deepEqual(hashTileRefs({ level: 1, index: 2, width: 2 }), [
      { level: 8, index: 512 },
      { level: 8, index: 513 },
    ]);
  });

  test('entry bundles are uint16 big-endian length-prefixed entries', () => {
    const bytes = encodeEntryBundle([new Uint8Array([1, 2]), new Uint8Array(300)]);
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 2, 1, 2, 1, 44]);
    assert.equal(bytes.length, 2 + 2 + 2 + 300);
    assert.deepEqual(
      decodeEntryBundle(bytes)?.map((e) => e.length),
      [2, 300],
    );
    assert.equal(decodeEntryBundle(bytes.subarray(0, 5)), undefined);
    assert.throws(() => encodeEntryBundle([new Uint8Array(65536)]), RangeError);
  });
});
