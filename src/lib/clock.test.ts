import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoAt } from './clock.js';

test('isoAt formats each instant, the same one twice over or a new one', () => {
  const t = Date.parse('2026-03-04T05:06:07.089Z');
  for (const ms of [t, t, t + 1, t, 0, 0, t + 86_400_000]) {
    assert.equal(isoAt(ms), new Date(ms).toISOString());
  }
  assert.throws(() => isoAt(Number.NaN), RangeError);
  assert.throws(() => isoAt(Number.NaN), RangeError);
  assert.equal(isoAt(t), '2026-03-04T05:06:07.089Z');
});
