/**
 * Closing the server ends what is still open: an SSE stream and a long-poll would otherwise hold
 * `close()` for their whole lifetime (up to ten minutes for a stream).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployAction } from '../helpers/harness.js';
import { startNotifyServer } from '../helpers/notify.js';

async function openStream(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  assert.equal((await reader.read()).done, false, 'the stream is open and has said something');
  // `ended` resolves once the server ends the stream (wrapped: an async function returning a
  // promise would wait for it)
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })();
  return { ended };
}

test('closing the server ends open SSE streams and answers open long-polls', async () => {
  const cs = await startNotifyServer({ secrets: {}, notificationsYaml: '  onEvents: [requested]' });
  let closed = false;
  try {
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shutdown:1'),
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    const stream = await openStream(`${cs.url}/v1/approvals/${id}/events`, cs.keys.alice!);
    const list = await openStream(`${cs.url}/v1/approvals/events`, cs.keys.alice!);
    const poll = cs.api<{ state: string }>(
      'requester',
      'GET',
      `/v1/approvals/${id}/wait?timeout=60s`,
    );
    // the long-poll is waiting once the bus has its listener (the stream has one already)
    const bus = cs.server.runtime.bus as unknown as {
      emitter: { listenerCount(name: string): number };
    };
    while (bus.emitter.listenerCount(`approval:${id}`) < 2) {
      await new Promise((r) => setTimeout(r, 5));
    }

    // a bound that catches a hang, far below what used to hold close(): the 60 s long-poll and
    // the 72 s keep-alive of a finished stream's connection
    let bound: NodeJS.Timeout | undefined;
    const held = new Promise<never>((_, reject) => {
      bound = setTimeout(() => reject(new Error('close() was held by open responses')), 45_000);
    });
    await Promise.race([cs.close(), held]).finally(() => clearTimeout(bound));
    closed = true;
    // close() returned, so nothing held it: both streams ended, the long-poll got its answer
    assert.equal(await stream.ended, true);
    assert.equal(await list.ended, true);
    const answered = await poll;
    assert.equal(answered.status, 200);
    assert.equal(answered.body.state, 'pending');
  } finally {
    if (!closed) await cs.close();
  }
});
