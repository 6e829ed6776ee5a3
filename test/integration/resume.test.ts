/**
 * Resuming a run on loopback: a long-poll waiter and an SSE waiter wake on the approve that
 * decides and not before (ordering, not wall time: latency is measured by `npm run bench`); wait bounds and access; SSE cleanup; and the client's requireApproval
 * end to end (run only after the gate allows; never when denied).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApprovalRejectedError, CountersignClient } from '../../src/client/index.js';
import type { CredentialResponse } from '../../src/client/index.js';
import { deployAction } from '../helpers/harness.js';
import { startNotifyServer, type NotifyServer } from '../helpers/notify.js';

interface SseEvent {
  event: string;
  data: string;
  at: number;
}

/** Reads an SSE stream with fetch, parsing events as they arrive. */
async function openSse(url: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: ctrl.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const ev: SseEvent = { event: 'message', data: '', at: performance.now() };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) {
            ev.event = line.slice(7);
            isEvent = true;
          } else if (line.startsWith('data: ')) ev.data += line.slice(6);
        }
        if (!isEvent) continue;
        events.push(ev);
        for (const w of waiters.filter((w) => w.pred(ev))) w.resolve(ev);
      }
    }
  })();
  return {
    events,
    next: (pred: (e: SseEvent) => boolean, ms = 60_000) =>
      new Promise<SseEvent>((resolve, reject) => {
        const have = events.find(pred);
        if (have) return resolve(have);
        const t = setTimeout(() => reject(new Error('no such SSE event in time')), ms);
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(t);
            resolve(e);
          },
        });
      }),
    close: async () => {
      ctrl.abort();
      await pump;
    },
  };
}

describe('waiting for a decision', () => {
  let cs: NotifyServer;
  before(async () => {
    cs = await startNotifyServer({ secrets: {}, notificationsYaml: '  onEvents: [requested]' });
  });
  after(async () => {
    await cs?.close();
  });

  const create = async (image: string): Promise<string> => {
    const r = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction(image),
    });
    assert.equal(r.status, 201);
    return r.body.id;
  };
  const listeners = (id: string): number =>
    (
      cs.server.runtime.bus as unknown as {
        emitter: { listenerCount(name: string): number };
      }
    ).emitter.listenerCount(`approval:${id}`);

  test('a long-poll waiter and an SSE waiter stay pending through a non-deciding review and wake with state approved after the deciding approve', async () => {
    const id = await create('resume:1');
    const sse = await openSse(`${cs.url}/v1/approvals/${id}/events`, cs.keys.alice as string);
    const snapshot = await sse.next((e) => e.event === 'snapshot');
    assert.equal((JSON.parse(snapshot.data) as { state: string }).state, 'pending');

    let woke = false;
    const poll = cs
      .api<{ state: string }>('requester', 'GET', `/v1/approvals/${id}/wait?timeout=60s`)
      .then((r) => {
        woke = true;
        return r;
      });
    await cs.api('alice', 'POST', `/v1/approvals/${id}/approve`, { reason: 'looks good' });
    const reviewed = await sse.next((e) => e.event === 'reviewed');
    assert.equal((JSON.parse(reviewed.data) as { state: string }).state, 'pending');
    // ordering, not a sleep: the review's event has reached the SSE waiter and the long-poll,
    // subscribed to the same bus, is still open
    assert.equal(woke, false, 'a review that does not decide does not wake the long-poll');

    // the bus publishes right after COMMIT: the waiters see the decision only once it exists
    let committed = false;
    const off = cs.server.runtime.bus.onApproval((c) => {
      if (c.event === 'approved') committed = true;
    }, id);
    const approve = await cs.api('bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' });
    off();
    assert.equal(approve.status, 200);
    const polled = await poll;
    const approved = await sse.next((e) => e.event === 'approved');
    assert.equal(polled.status, 200);
    assert.equal(polled.body.state, 'approved');
    assert.equal((JSON.parse(approved.data) as { state: string }).state, 'approved');
    assert.ok(committed, 'the decision was published on the bus');
    assert.ok(woke);

    assert.equal(listeners(id), 1, 'the open SSE stream listens');
    await sse.close();
    // bounded poll for the server-side cleanup (no event is exposed for it); a hang bound only
    const deadline = Date.now() + 60_000;
    while (listeners(id) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(listeners(id), 0, 'closing the stream removes its listener');
  });

  test('a long-poll answers at its timeout with the request still pending; bounds and access are checked', async () => {
    const id = await create('resume:2');
    const r = await cs.api<{ state: string }>(
      'requester',
      'GET',
      `/v1/approvals/${id}/wait?timeout=1s`,
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.state, 'pending');
    assert.equal(listeners(id), 0, 'the waiter unsubscribed');

    const tooLong = await cs.api<{ code: string }>(
      'requester',
      'GET',
      `/v1/approvals/${id}/wait?timeout=2m`,
    );
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.code, 'validation_failed');
    const other = await cs.api<{ code: string }>(
      'alice',
      'GET',
      `/v1/approvals/${id}/wait?timeout=1s`,
    );
    assert.equal(other.status, 403);
    const missing = await cs.api<{ code: string }>(
      'requester',
      'GET',
      '/v1/approvals/apr_missing/wait',
    );
    assert.equal(missing.status, 404);
    // already decided: answers at once
    await cs.api('requester', 'POST', `/v1/approvals/${id}/cancel`, {});
    const done = await cs.api<{ state: string }>(
      'requester',
      'GET',
      `/v1/approvals/${id}/wait?timeout=30s`,
    );
    assert.equal(done.status, 200);
    assert.equal(done.body.state, 'cancelled');
  });

  test('requireApproval runs the action only after the approval passes the gate', async () => {
    const client = new CountersignClient({ url: cs.url, token: cs.keys.requester as string });
    const action = deployAction('resume:3');
    let pendingId = '';
    const ran: (CredentialResponse | null)[] = [];
    const running = client.requireApproval(
      action,
      (credential) => {
        ran.push(credential);
        return 'deployed';
      },
      {
        timeoutMs: 20_000,
        onPending: (a) => {
          pendingId = a.id;
        },
      },
    );
    const id = await (async () => {
      const deadline = Date.now() + 60_000; // a hang bound, not a speed check
      while (!pendingId && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return pendingId;
    })();
    assert.match(id, /^apr_/);
    await cs.api('alice', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ran.length, 0, 'not run before the quorum is met');
    await cs.api('bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' });
    assert.equal(await running, 'deployed');
    assert.equal(ran.length, 1);
    assert.equal(ran[0]?.approvalId, id);
    assert.match(ran[0]?.token ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const gateEvents = await cs.server.runtime.store.listAuditEvents(
      { approvalId: id, type: 'gate.allowed' },
      { limit: 10 },
    );
    assert.equal(gateEvents.items.length, 1, 'the gate allowed it before run was called');
  });

  test('requireApproval throws a typed error and never runs when the request is denied', async () => {
    const client = new CountersignClient({ url: cs.url, token: cs.keys.requester as string });
    let ran = false;
    let id = '';
    const running = client.requireApproval(
      deployAction('resume:4'),
      () => {
        ran = true;
      },
      {
        timeoutMs: 20_000,
        onPending: (a) => {
          id = a.id;
          void cs.api('alice', 'POST', `/v1/approvals/${a.id}/deny`, { reason: 'freeze' });
        },
      },
    );
    await assert.rejects(running, (err) => {
      assert.ok(err instanceof ApprovalRejectedError);
      assert.equal(err.code, 'denied');
      assert.equal(err.approval?.id, id);
      assert.match(err.message, /freeze/);
      return true;
    });
    assert.equal(ran, false);

    // still pending when the wait runs out: timeout, not run
    let ran2 = false;
    await assert.rejects(
      client.requireApproval(
        deployAction('resume:5'),
        () => {
          ran2 = true;
        },
        { timeoutMs: 1000 },
      ),
      (err) => err instanceof ApprovalRejectedError && err.code === 'timeout',
    );
    assert.equal(ran2, false);
  });

  test('waitForDecision returns the pending request when its timeout passes', async () => {
    const client = new CountersignClient({ url: cs.url, token: cs.keys.requester as string });
    const id = await create('resume:6');
    const a = await client.waitForDecision(id, { timeoutMs: 1000 });
    assert.equal(a.id, id);
    assert.equal(a.state, 'pending');
  });
});
