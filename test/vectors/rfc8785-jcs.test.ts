import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { describe, it } from 'node:test';
import { computeSpecHash } from '../../src/credentials/verify/spec-hash.js';
import { jcs, jcsHash } from '../../src/lib/hash.js';

interface Data {
  objects: { name: string; input: string; canonical: string; utf8Hex?: string }[];
  numbers: [string, string][];
  notSerializable: [string, string][];
}

const data = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'rfc8785-jcs.json'), 'utf8'),
) as Data;

function fromIeee754(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

describe('RFC 8785 JCS: objects', () => {
  for (const o of data.objects) {
    it(`${o.name}: canonical form`, () => {
      assert.equal(jcs(JSON.parse(o.input)), o.canonical);
    });

    it(`${o.name}: the spec hash is sha256 of the canonical UTF-8 bytes`, () => {
      const parsed: unknown = JSON.parse(o.input);
      assert.equal(computeSpecHash(parsed), sha256(o.canonical));
      assert.equal(jcsHash(parsed), computeSpecHash(parsed), 'server and verifier agree');
    });

    if (o.utf8Hex !== undefined) {
      const hex = o.utf8Hex;
      it(`${o.name}: UTF-8 bytes of §3.2.4`, () => {
        assert.equal(Buffer.from(jcs(JSON.parse(o.input)), 'utf8').toString('hex'), hex);
      });
    }
  }
});

describe('RFC 8785 Appendix B: number serialization', () => {
  for (const [bits, expected] of data.numbers) {
    it(`0x${bits} → ${expected}`, () => {
      assert.equal(jcs(fromIeee754(bits)), expected);
      assert.equal(jcs([fromIeee754(bits)]), `[${expected}]`);
    });
  }

  for (const [bits, name] of data.notSerializable) {
    it(`0x${bits} (${name}) has no canonical form`, () => {
      assert.throws(() => jcs(fromIeee754(bits)));
      assert.throws(() => computeSpecHash({ n: fromIeee754(bits) }), TypeError);
    });
  }
});
