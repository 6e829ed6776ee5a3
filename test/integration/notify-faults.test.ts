/**
 * Delivery under faults, against real sinks on 127.0.0.1: a 500 then a 200, a sink that hangs
 * past the timeout, attempts running out (dead letter), and the server restarted mid-retry on the
 * same SQLite file. Each notification arrives exactly once as a success, with the same message id
 * on every attempt, the evidence shows the attempts, and no secret reaches evidence, audit or logs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { deployAction } from '../helpers/harness.js';
import {
  findSecrets,
  startNotifyServer,
  startSink,
  webhookSecret,
  type NotifyServer,
  type Sink,
  type SinkBehaviour,
  type SinkRequest,
} from '../helpers/notify.js';
import type { NotifyOverrides } from '../../src/main.js';

interface Evidence {
  provider: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  target: string | null;
  attemptLog: { responseStatus: number | null; error: string | null; durationMs: number }[];
}

const HOOK_TOKEN = 'hook0123456789abcdefSECRET';
const SECRET = webhookSecret('fault-test-signing-secret-0');

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function verify(r: SinkRequest): { type: string } {
  return new Webhook(SECRET).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string };
}

describe('delivery faults', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(
    behaviour: SinkBehaviour,
    opts: { attempts?: number; notify?: NotifyOverrides; dir?: string; sink?: Sink } = {},
  ): Promise<{ sink: Sink; cs: NotifyServer; url: string; secrets: string[] }> {
    const sink = opts.sink ?? (await startSink(behaviour));
    if (!opts.sink) cleanups.push(() => sink.close());
    const url = `${sink.url}/hooks/${HOOK_TOKEN}`;
    const cs = await startNotifyServer({
      ...(opts.dir ? { dir: opts.dir } : {}),
      secrets: { T_HOOK_URL: url, T_HOOK_SECRET: SECRET },
      notify: { random: () => 1, ...opts.notify },
      notificationsYaml: `
  providers:
    webhook: { urlEnv: T_HOOK_URL, secretEnv: T_HOOK_SECRET }
  retry: { attempts: ${opts.attempts ?? 4}, initialDelay: 100ms, maxDelay: 400ms }`,
    });
    cleanups.push(() => cs.close());
    return { sink, cs, url, secrets: [url, HOOK_TOKEN, SECRET] };
  }

  async function evidence(cs: NotifyServer, id: string): Promise<Evidence[]> {
    return (await cs.server.runtime.delivery.list(id)) as unknown as Evidence[];
  }

  async function audit(cs: NotifyServer, id: string) {
    const all = await cs.server.runtime.store.listAuditEvents({ approvalId: id }, { limit: 100 });
    return all.items.map((i) => i.event).filter((e) => e.type.startsWith('notification.'));
  }

  test('a sink answering 500 then 200 gets the notification twice with one message id, delivered once', async () => {
    const { sink, cs, secrets } = await setup((_r, n) => (n === 1 ? 500 : 200));
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('fault:1'),
    });
    const id = created.body.id;
    await sink.waitFor(2);
    const [first, second] = sink.requests as [SinkRequest, SinkRequest];
    assert.equal(first.headers['webhook-id'], `msg_${id}_requested`);
    assert.equal(second.headers['webhook-id'], first.headers['webhook-id']);
    assert.equal(verify(first).type, 'approval.requested');
    assert.equal(verify(second).type, 'approval.requested');
    assert.ok(second.at - first.at >= 90, 'the retry waited for its backoff');
    const [ev] = await until(async () => {
      const e = await evidence(cs, id);
      return e[0]?.status === 'delivered' ? e : undefined;
    });
    assert.equal(ev?.attempts, 2);
    assert.equal(ev?.responseStatus, 200);
    assert.deepEqual(
      ev?.attemptLog.map((a) => [a.responseStatus, a.error]),
      [
        [500, 'http_500'],
        [200, null],
      ],
    );
    // "nothing more is sent" has no event to wait for: a short bounded pause is the only check
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sink.requests.length, 2, 'nothing more is sent once delivered');
    const events = await audit(cs, id);
    assert.deepEqual(
      events.map((e) => [e.type, e.outcome, e.details.attempts]),
      [['notification.delivered', 'delivered', 2]],
    );
    const texts = [JSON.stringify(await evidence(cs, id)), JSON.stringify(events), ...cs.logs];
    assert.deepEqual(findSecrets(texts, secrets), []);
    assert.ok(
      cs.logs.some((l) => l.includes('will retry')),
      'the failed attempt was logged',
    );
  });

  test('a sink that hangs past the timeout is abandoned and retried; the evidence shows the timeout', async () => {
    const { sink, cs, secrets } = await setup((_r, n) => (n === 1 ? 'hang' : 200), {
      notify: { timeoutMs: 300 },
    });
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('fault:2'),
    });
    const id = created.body.id;
    await sink.waitFor(2, 60_000);
    const [ev] = await until(async () => {
      const e = await evidence(cs, id);
      return e[0]?.status === 'delivered' ? e : undefined;
    });
    assert.equal(ev?.attempts, 2);
    assert.equal(ev?.attemptLog[0]?.error, 'timeout');
    assert.equal(ev?.attemptLog[0]?.responseStatus, null);
    assert.ok((ev?.attemptLog[0]?.durationMs ?? 0) >= 290, 'the attempt lasted its timeout');
    assert.equal(ev?.attemptLog[1]?.responseStatus, 200);
    assert.equal(sink.requests.length, 2);
    assert.deepEqual(findSecrets([JSON.stringify(ev), ...cs.logs], secrets), []);
  });

  test('when attempts run out the delivery is dead, audited as failed, and never sent again', async () => {
    const { sink, cs, secrets } = await setup(() => 503, { attempts: 2 });
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('fault:3'),
    });
    const id = created.body.id;
    const [ev] = await until(async () => {
      const e = await evidence(cs, id);
      return e[0]?.status === 'dead' ? e : undefined;
    });
    assert.equal(ev?.attempts, 2);
    assert.equal(ev?.lastError, 'http_503');
    // "nothing more is sent" has no event to wait for: a short bounded pause is the only check
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(sink.requests.length, 2);
    const events = await audit(cs, id);
    assert.deepEqual(
      events.map((e) => [e.type, e.outcome, e.reasonCode]),
      [['notification.failed', 'dead', 'http_503']],
    );
    // a receiver rejecting the request outright (4xx) is not retried at all
    sink.behaviour = () => 400;
    const again = await cs.api<{ deliveries: Evidence[] }>(
      'admin',
      'POST',
      `/v1/approvals/${id}/deliver`,
      {},
    );
    assert.equal(again.body.deliveries[0]?.status, 'dead');
    assert.equal(again.body.deliveries[0]?.attempts, 3);
    assert.equal(again.body.deliveries[0]?.lastError, 'http_400');
    assert.deepEqual(
      findSecrets([JSON.stringify(again.body), JSON.stringify(events), ...cs.logs], secrets),
      [],
    );
  });

  test('a server restarted mid-retry resumes from the outbox on the same file and delivers exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-restart-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const sink = await startSink(() => 503);
    cleanups.push(() => sink.close());
    // random() = 1: the first retry waits the whole initial delay, long enough to restart in
    const slow = { random: () => 1, pollMs: 200 };
    const first = await startNotifyServer({
      dir,
      secrets: { T_HOOK_URL: `${sink.url}/hooks/${HOOK_TOKEN}`, T_HOOK_SECRET: SECRET },
      notify: slow,
      notificationsYaml: `
  providers:
    webhook: { urlEnv: T_HOOK_URL, secretEnv: T_HOOK_SECRET }
  retry: { attempts: 5, initialDelay: 1500ms, maxDelay: 5s }`,
    });
    let firstClosed = false;
    cleanups.push(async () => {
      if (!firstClosed) await first.close();
    });
    const created = await first.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('fault:4'),
    });
    const id = created.body.id;
    await sink.waitFor(1);
    await until(async () => {
      const e = await first.server.runtime.delivery.list(id);
      return e[0]?.status === 'failed' ? e : undefined;
    });
    const firstLogs = [...first.logs];
    await first.close();
    firstClosed = true;
    assert.equal(sink.requests.length, 1, 'stopped before the retry was due');

    sink.behaviour = () => 200;
    const second = await startNotifyServer({
      dir,
      secrets: { T_HOOK_URL: `${sink.url}/hooks/${HOOK_TOKEN}`, T_HOOK_SECRET: SECRET },
      notify: slow,
      notificationsYaml: `
  providers:
    webhook: { urlEnv: T_HOOK_URL, secretEnv: T_HOOK_SECRET }
  retry: { attempts: 5, initialDelay: 1500ms, maxDelay: 5s }`,
    });
    cleanups.push(() => second.close());
    await sink.waitFor(2, 60_000);
    const ev = await until(async () => {
      const e = await second.server.runtime.delivery.list(id);
      return e[0]?.status === 'delivered' ? e : undefined;
    });
    // and nothing more is sent afterwards
    // "nothing more is sent" has no event to wait for: a short bounded pause is the only check
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(sink.requests.length, 2);
    assert.equal(sink.requests[1]?.headers['webhook-id'], `msg_${id}_requested`);
    assert.equal(verify(sink.requests[1] as SinkRequest).type, 'approval.requested');
    assert.equal(ev[0]?.attempts, 2);
    assert.deepEqual(
      ev[0]?.attemptLog.map((a) => a.responseStatus),
      [503, 200],
    );
    const events = await audit(second, id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['notification.delivered'],
    );
    const secrets = [`${sink.url}/hooks/${HOOK_TOKEN}`, HOOK_TOKEN, SECRET];
    assert.deepEqual(
      findSecrets(
        [JSON.stringify(ev), JSON.stringify(events), ...firstLogs, ...second.logs],
        secrets,
      ),
      [],
    );
  });
});
