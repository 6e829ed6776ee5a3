import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressLine, progressText } from './progress.js';

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (t: string) => written.push(t) } };
}

describe('the CLI progress line', () => {
  it('says how far, in whole percent, with grouped numbers', () => {
    assert.equal(
      progressText('verifying', 524_288, 1_000_000, 'events'),
      'verifying 52% (524,288 of 1,000,000 events)',
    );
    assert.equal(progressText('verifying', 0, 0, 'events'), 'verifying 100% (0 of 0 events)');
  });

  it('on a terminal: rewrites one line, at most every 100 ms but always the last, then clears it', () => {
    let now = 0;
    const { written, stream } = sink(true);
    const line = progressLine(stream, 'verifying', 'events', () => now);
    line.update(10, 100);
    now = 50;
    line.update(20, 100); // too soon: skipped
    now = 150;
    line.update(30, 100);
    line.update(100, 100); // the last is shown however soon
    line.end();
    assert.deepEqual(written, [
      '\r\x1b[Kverifying 10% (10 of 100 events)',
      '\r\x1b[Kverifying 30% (30 of 100 events)',
      '\r\x1b[Kverifying 100% (100 of 100 events)',
      '\r\x1b[K',
    ]);
  });

  it('anywhere else: whole lines, and nothing to clear', () => {
    const { written, stream } = sink(false);
    const line = progressLine(stream, 'verifying', 'events', () => 0);
    line.update(5, 5);
    line.end();
    assert.deepEqual(written, ['verifying 100% (5 of 5 events)\n']);
  });
});
