import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomIds, sequentialIds } from './ids.js';

describe('ids', () => {
  it('random ids: the prefix, then 20 characters of the alphabet, never repeated across pool refills', () => {
    const seen = new Set<string>();
    // 10,000 ids draw 200,000 bytes: the 4 KiB pool is refilled about 50 times
    for (let i = 0; i < 10_000; i++) {
      const id = randomIds.next('apr');
      assert.match(id, /^apr_[0-9abcdefghjkmnpqrstvwxyz]{20}$/);
      assert.ok(!seen.has(id), `repeated id ${id}`);
      seen.add(id);
    }
  });

  it('random ids use every character of the alphabet (the bytes are spread, not stuck)', () => {
    const chars = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of randomIds.next('x').slice(2)) chars.add(c);
    assert.equal(chars.size, 32);
  });

  it('sequential ids count per prefix', () => {
    const ids = sequentialIds();
    assert.deepEqual(
      [ids.next('apr'), ids.next('apr'), ids.next('dec')],
      ['apr_0001', 'apr_0002', 'dec_0001'],
    );
  });
});
