import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  bytesEqual,
  emptyRoot,
  eventLeafBytes,
  eventLeafHash,
  hashFromHex,
  leafHash,
  nodeHash,
  toHex,
} from './hash.js';

const sha256 = (...parts: Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('audit hashing', () => {
  it('the empty tree root is SHA-256 of nothing', () => {
    assert.equal(toHex(emptyRoot()), sha256());
  });

  it('a leaf hash is SHA-256 of 0x00 and the bytes; a node hash of 0x01, left and right', () => {
    const a = Buffer.from('a');
    const b = Buffer.from('b');
    assert.equal(toHex(leafHash(a)), sha256(Buffer.from([0]), a));
    assert.equal(toHex(nodeHash(a, b)), sha256(Buffer.from([1]), a, b));
  });

  it('a node can never pass as a leaf over the same bytes (domain separation)', () => {
    const l = leafHash(Buffer.from('x'));
    const r = leafHash(Buffer.from('y'));
    assert.equal(bytesEqual(nodeHash(l, r), leafHash(Buffer.concat([l, r]))), false);
    assert.equal(bytesEqual(nodeHash(l, r), nodeHash(r, l)), false);
  });

  it('an event leaf hashes the UTF-8 of its JCS form, whatever the key order', () => {
    const event = { b: 1, a: 'é', c: [true, null] };
    assert.equal(
      Buffer.from(eventLeafBytes(event)).toString('utf8'),
      '{"a":"é","b":1,"c":[true,null]}',
    );
    assert.deepEqual(eventLeafHash(event), eventLeafHash({ c: [true, null], a: 'é', b: 1 }));
    assert.deepEqual(
      eventLeafHash(event),
      leafHash(Buffer.from('{"a":"é","b":1,"c":[true,null]}')),
    );
  });

  it('an event JSON cannot represent is a TypeError', () => {
    assert.throws(() => eventLeafHash(undefined), TypeError);
  });

  it('hashFromHex accepts exactly 64 lower-case hex digits', () => {
    const h = 'ab'.repeat(32);
    assert.equal(toHex(hashFromHex(h) as Uint8Array), h);
    assert.equal(hashFromHex(h.toUpperCase()), undefined);
    assert.equal(hashFromHex(h.slice(2)), undefined);
    assert.equal(hashFromHex(`${h}00`), undefined);
    assert.equal(hashFromHex(`${h.slice(0, 62)}zz`), undefined);
  });
});

describe('audit hashing of 32-byte children', () => {
  it('hashes two 32-byte children exactly like SHA-256(0x01 ‖ left ‖ right)', () => {
    for (let i = 0; i < 20; i++) {
      const l = leafHash(Buffer.from(`l${i}`));
      const r = leafHash(Buffer.from(`r${i}`));
      assert.equal(toHex(nodeHash(l, r)), sha256(Buffer.from([1]), l, r));
    }
  });
});
