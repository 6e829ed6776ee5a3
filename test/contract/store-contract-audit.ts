/** Store contract: the audit log (append order, stored Merkle nodes, listing filters, cursor). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, isCountersignError } from '../../src/errors/index.js';
import type { AuditEvent } from '../../src/domain/audit-event.js';
import type { AuditFilter, Store, StoredAuditEvent } from '../../src/store/port.js';
import {
  isoPlus,
  leafHash,
  makeApproval,
  makeEvent,
  makeEventWithoutJsonForm,
  MINUTE,
  nodeHash,
  type ContractContext,
} from './store-fixtures.js';

/** One transaction per event, then every committed event integrated into the tree. */
async function appendEach(store: Store, events: readonly AuditEvent[]): Promise<void> {
  for (const e of events) await store.transaction((tx) => tx.appendAudit(e));
  await store.integrateAudit();
}

async function indices(store: Store, filter: AuditFilter): Promise<number[]> {
  const page = await store.listAuditEvents(filter, { limit: 100 });
  assert.equal(page.nextCursor, null);
  return page.items.map((i) => i.index);
}

function hex(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : Buffer.from(b).toString('hex');
}

export function defineAuditContract(ctx: ContractContext): void {
  test('appends get indices 0..n-1 in order and list back as the identical events', async () => {
    assert.equal(await ctx.store.auditSize(), 0);
    const events = Array.from({ length: 4 }, (_, i) => makeEvent({ at: isoPlus(i * MINUTE) }));
    await appendEach(ctx.store, events.slice(0, 2));
    assert.equal(await ctx.store.auditSize(), 2);
    // several appends in one transaction take consecutive indices too
    await ctx.store.transaction(async (tx) => {
      await tx.appendAudit(events[2] as AuditEvent);
      await tx.appendAudit(events[3] as AuditEvent);
    });
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 4);
    const page = await ctx.store.listAuditEvents({}, { limit: 10 });
    const expected: StoredAuditEvent[] = events.map((event, index) => ({ index, event }));
    assert.deepEqual(page, { items: expected, nextCursor: null });
    assert.equal(await ctx.store.transaction((tx) => tx.auditSize()), 4);
  });

  test('appendAudit on its own: the event is sequenced and integrated like one from a transaction', async () => {
    const events = Array.from({ length: 3 }, (_, i) => makeEvent({ at: isoPlus(i * MINUTE) }));
    await appendEach(ctx.store, events.slice(0, 1));
    // concurrent lone appends all land, each once, after the transactional one
    await Promise.all(events.slice(1).map((e) => ctx.store.appendAudit(e)));
    await ctx.store.integrateAudit();
    const items = (await ctx.store.listAuditEvents({}, { limit: 10 })).items;
    assert.deepEqual(
      items.map((i) => i.index),
      [0, 1, 2],
    );
    assert.deepEqual(items[0]?.event, events[0]);
    assert.deepEqual(
      items
        .slice(1)
        .map((i) => i.event.eventId)
        .sort(),
      events
        .slice(1)
        .map((e) => e.eventId)
        .sort(),
    );
    assert.equal((await ctx.store.opsStats()).auditPending.count, 0);
  });

  test('an event with no JSON form is audit_unavailable, alone or in a transaction, which then keeps nothing', async () => {
    const auditUnavailable = (err: unknown) =>
      isCountersignError(err) && err.code === 'audit_unavailable';
    await assert.rejects(ctx.store.appendAudit(makeEventWithoutJsonForm()), auditUnavailable);
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.insertApproval(makeApproval('apr_nojson'));
        await tx.appendAudit(makeEvent({ approvalId: 'apr_nojson' }));
        await tx.appendAudit(makeEventWithoutJsonForm());
      }),
      auditUnavailable,
    );
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 0);
    assert.equal(await ctx.store.getApproval('apr_nojson'), null);
  });

  test('integrateAudit: with nothing pending it changes nothing; a rolled-back append never reaches the log', async () => {
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 0);
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.appendAudit(makeEvent());
        throw new Error('rolled back');
      }),
    );
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 0);
    assert.deepEqual(await ctx.store.listAuditEvents({}, { limit: 10 }), {
      items: [],
      nextCursor: null,
    });
    const kept = makeEvent();
    await appendEach(ctx.store, [kept]);
    assert.deepEqual((await ctx.store.listAuditEvents({}, { limit: 10 })).items, [
      { index: 0, event: kept },
    ]);
    assert.equal((await ctx.store.opsStats()).auditPending.count, 0);
  });

  test('each append stores its leaf hash and the completed subtree roots (RFC 6962)', async () => {
    const events = Array.from({ length: 5 }, () => makeEvent());
    await appendEach(ctx.store, events);
    const nodes = await ctx.handle.readAuditNodes();
    const byKey = new Map(nodes.map((n) => [`${n.level}/${n.index}`, n.hash]));
    assert.deepEqual(nodes.map((n) => `${n.level}/${n.index}`).sort(), [
      '0/0',
      '0/1',
      '0/2',
      '0/3',
      '0/4',
      '1/0',
      '1/1',
      '2/0',
    ]);
    const leaves = events.map(leafHash);
    leaves.forEach((leaf, i) => assert.equal(hex(byKey.get(`0/${i}`)), hex(leaf), `leaf ${i}`));
    const n10 = nodeHash(leaves[0] as Buffer, leaves[1] as Buffer);
    const n11 = nodeHash(leaves[2] as Buffer, leaves[3] as Buffer);
    assert.equal(hex(byKey.get('1/0')), hex(n10));
    assert.equal(hex(byKey.get('1/1')), hex(n11));
    assert.equal(hex(byKey.get('2/0')), hex(nodeHash(n10, n11)));
  });

  test('readAuditNodeRange reads one level in index order, undefined past the stored nodes', async () => {
    const events = Array.from({ length: 6 }, () => makeEvent());
    await appendEach(ctx.store, events);
    const leaves = await ctx.store.readAuditNodeRange(0, 2, 6);
    assert.deepEqual(leaves.map(hex), [
      ...events.slice(2).map((e) => hex(leafHash(e))),
      undefined,
      undefined,
    ]);
    const level1 = await ctx.store.readAuditNodeRange(1, 0, 4);
    assert.deepEqual(
      level1.map(hex),
      [
        nodeHash(leafHash(events[0] as AuditEvent), leafHash(events[1] as AuditEvent)),
        nodeHash(leafHash(events[2] as AuditEvent), leafHash(events[3] as AuditEvent)),
        nodeHash(leafHash(events[4] as AuditEvent), leafHash(events[5] as AuditEvent)),
        undefined,
      ].map((h) => (h === undefined ? undefined : hex(h))),
    );
    assert.deepEqual(await ctx.store.readAuditNodeRange(2, 0, 0), []);
  });

  test('listAuditEvents filters by approval, actor, environment, project, type and time range', async () => {
    const actorB = { id: 'user:bob', kind: 'user', name: 'bob' };
    await appendEach(ctx.store, [
      makeEvent({ approvalId: 'apr_1', at: isoPlus(0) }),
      makeEvent({ approvalId: 'apr_2', type: 'approval.approved', at: isoPlus(1 * MINUTE) }),
      makeEvent({ actor: actorB, environment: 'staging', at: isoPlus(2 * MINUTE) }),
      makeEvent({
        project: 'db',
        environment: null,
        type: 'gate.allowed',
        at: isoPlus(3 * MINUTE),
      }),
      makeEvent({
        approvalId: 'apr_1',
        actor: actorB,
        type: 'approval.approved',
        at: isoPlus(4 * MINUTE),
      }),
      makeEvent({
        type: 'policy.loaded',
        environment: null,
        project: null,
        at: isoPlus(5 * MINUTE),
      }),
    ]);
    assert.deepEqual(await indices(ctx.store, {}), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(await indices(ctx.store, { approvalId: 'apr_1' }), [0, 4]);
    assert.deepEqual(await indices(ctx.store, { actor: 'user:bob' }), [2, 4]);
    assert.deepEqual(await indices(ctx.store, { environment: 'staging' }), [2]);
    assert.deepEqual(await indices(ctx.store, { environment: 'prod' }), [0, 1, 4]);
    assert.deepEqual(await indices(ctx.store, { project: 'db' }), [3]);
    assert.deepEqual(await indices(ctx.store, { type: 'approval.approved' }), [1, 4]);
    // since is inclusive, until exclusive
    assert.deepEqual(await indices(ctx.store, { since: isoPlus(2 * MINUTE) }), [2, 3, 4, 5]);
    assert.deepEqual(await indices(ctx.store, { until: isoPlus(2 * MINUTE) }), [0, 1]);
    assert.deepEqual(
      await indices(ctx.store, { since: isoPlus(1 * MINUTE), until: isoPlus(4 * MINUTE) }),
      [1, 2, 3],
    );
    assert.deepEqual(
      await indices(ctx.store, {
        approvalId: 'apr_1',
        type: 'approval.approved',
        actor: 'user:bob',
      }),
      [4],
    );
    assert.deepEqual(await indices(ctx.store, { approvalId: 'apr_none' }), []);
  });

  test('an audit cursor that is not one the store issued is a 400 validation_failed at querystring:/cursor', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of ['%%', b64({}), b64(['3']), b64([-1]), b64([1.5]), b64([2 ** 53])]) {
      await assert.rejects(ctx.store.listAuditEvents({}, { limit: 5, cursor }), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.equal(err.code, 'validation_failed');
        assert.equal(err.errors[0]?.path, 'querystring:/cursor');
        return true;
      });
    }
  });

  test('audit cursor pages ascend by index without overlap, also under a filter', async () => {
    await appendEach(
      ctx.store,
      Array.from({ length: 7 }, (_, i) =>
        makeEvent({ type: i % 2 ? 'gate.allowed' : 'gate.rejected' }),
      ),
    );
    const walk = async (filter: AuditFilter, limit: number): Promise<number[][]> => {
      const pages: number[][] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await ctx.store.listAuditEvents(filter, {
          limit,
          ...(cursor ? { cursor } : {}),
        });
        pages.push(page.items.map((x) => x.index));
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
      throw new Error('pagination did not end');
    };
    assert.deepEqual(await walk({}, 3), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(await walk({}, 7), [[0, 1, 2, 3, 4, 5, 6]]);
    assert.deepEqual(await walk({ type: 'gate.rejected' }, 2), [
      [0, 2],
      [4, 6],
    ]);
  });

  test('witness cosignatures are stored once per (size, witness) and read back by size and witness', async () => {
    assert.equal(await ctx.store.lastCosignedSize('w1'), null);
    const row = (size: number, witness: string) => ({
      size,
      witness,
      line: `\u2014 ${witness} AAAA${size}`,
      createdAt: isoPlus(size * MINUTE),
    });
    const inserted = await ctx.store.transaction(async (tx) => [
      await tx.insertCosignature(row(5, 'w2')),
      await tx.insertCosignature(row(5, 'w1')),
      await tx.insertCosignature(row(9, 'w1')),
      await tx.insertCosignature({ ...row(9, 'w1'), line: 'another' }),
    ]);
    assert.deepEqual(inserted, [true, true, true, false]);
    assert.deepEqual(await ctx.store.listCosignatures(5), [row(5, 'w1'), row(5, 'w2')]);
    assert.deepEqual(await ctx.store.listCosignatures(9), [row(9, 'w1')]);
    assert.deepEqual(await ctx.store.listCosignatures(7), []);
    assert.equal(await ctx.store.lastCosignedSize('w1'), 9);
    assert.equal(await ctx.store.lastCosignedSize('w2'), 5);
  });
}
