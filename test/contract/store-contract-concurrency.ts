/** Store contract: atomic rollback, isolation of uncommitted work, and exactly-one-winner races. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import {
  Boom,
  leafHash,
  makeApiKey,
  makeApproval,
  makeEvent,
  type ContractContext,
} from './store-fixtures.js';

export function defineConcurrencyContract(ctx: ContractContext): void {
  test('a transaction that throws after its writes rolls back approvals, records, audit rows and the head', async () => {
    const kept = makeEvent();
    await ctx.store.transaction((tx) => tx.appendAudit(kept));
    await ctx.store.integrateAudit();
    const nodesBefore = await ctx.handle.readAuditNodes();
    const boom = new Boom('fail after writes');
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.insertApproval(makeApproval('apr_rb'));
        await tx.insertApiKey(makeApiKey('key_rb'));
        assert.equal(await tx.consumeCredential('jti_rb', 'apr_rb', kept.at), true);
        await tx.appendAudit(makeEvent({ approvalId: 'apr_rb' }));
        await tx.appendAudit(makeEvent({ approvalId: 'apr_rb' }));
        throw boom;
      }),
      (err) => err === boom,
    );
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.getApproval('apr_rb'), null);
    assert.equal(await ctx.store.getApiKey('key_rb'), null);
    assert.equal(await ctx.store.isCredentialConsumed('jti_rb'), false);
    assert.equal(await ctx.store.auditSize(), 1);
    assert.deepEqual(await ctx.store.listAuditEvents({}, { limit: 10 }), {
      items: [{ index: 0, event: kept }],
      nextCursor: null,
    });
    assert.deepEqual(await ctx.handle.readAuditNodes(), nodesBefore);
    // the log continues from the committed head: no gap where the rolled-back events were
    const next = makeEvent();
    await ctx.store.transaction((tx) => tx.appendAudit(next));
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 2);
    const leaf1 = (await ctx.handle.readAuditNodes()).find((n) => n.level === 0 && n.index === 1);
    assert.equal(Buffer.from(leaf1?.hash ?? []).toString('hex'), leafHash(next).toString('hex'));
  });

  test('reads outside a transaction do not see its uncommitted writes', async () => {
    let seenInside: ApprovalRequest | null = null;
    await ctx.store.transaction(async (tx) => {
      await tx.insertApproval(makeApproval('apr_iso'));
      await tx.appendAudit(makeEvent());
      seenInside = await tx.getApproval('apr_iso');
      assert.equal(await ctx.store.getApproval('apr_iso'), null);
      assert.equal(await ctx.store.auditSize(), 0);
    });
    assert.equal((seenInside as ApprovalRequest | null)?.id, 'apr_iso');
    assert.equal((await ctx.store.getApproval('apr_iso'))?.id, 'apr_iso');
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 1);
  });

  test('20 concurrent read-check-update transactions on one approval: exactly one wins', async () => {
    await ctx.store.transaction((tx) => tx.insertApproval(makeApproval('apr_race')));
    let sawPending = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ctx.store.transaction(async (tx) => {
          const current = await tx.getApproval('apr_race');
          if (!current || current.state !== 'pending') return false;
          sawPending++;
          const next: ApprovalRequest = {
            ...current,
            state: 'approved',
            history: [
              ...current.history,
              { event: 'approved', actor: `user:${i}`, at: current.createdAt },
            ],
          };
          const won = await tx.updateApproval(next, current.version);
          if (won)
            await tx.appendAudit(makeEvent({ approvalId: 'apr_race', type: 'approval.approved' }));
          return won;
        }),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1, `winners: ${results.join(',')}`);
    // reading the approval in a transaction serialises the sequence: later readers wait for
    // the winner's commit and see its result instead of a stale pending copy
    assert.equal(sawPending, 1);
    const stored = await ctx.store.getApproval('apr_race');
    assert.equal(stored?.state, 'approved');
    assert.equal(stored?.version, 2);
    assert.equal(stored?.history.length, 2);
    await ctx.store.integrateAudit();
    assert.equal(await ctx.store.auditSize(), 1);
  });

  test('20 concurrent blind conditional updates with the same expected version: exactly one wins', async () => {
    const req = makeApproval('apr_blind');
    await ctx.store.transaction((tx) => tx.insertApproval(req));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ctx.store.transaction((tx) => tx.updateApproval({ ...req, note: `writer ${i}` }, 1)),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1, `winners: ${results.join(',')}`);
    const winner = results.indexOf(true);
    assert.deepEqual(await ctx.store.getApproval('apr_blind'), {
      ...req,
      note: `writer ${winner}`,
      version: 2,
    });
  });

  test('10 concurrent find-or-create transactions for one action hash create exactly one request', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ctx.store.transaction(async (tx) => {
          const existing = await tx.findPendingByActionHash('sha256:same-action');
          if (existing) return existing.id;
          await tx.insertApproval(makeApproval(`apr_c${i}`, { actionHash: 'sha256:same-action' }));
          return `apr_c${i}`;
        }),
      ),
    );
    assert.equal(new Set(outcomes).size, 1, `ids: ${outcomes.join(',')}`);
    const page = await ctx.store.listApprovals({}, { limit: 20 });
    assert.deepEqual(
      page.items.map((r) => r.id),
      [outcomes[0]],
    );
  });

  test('50 concurrent audit appends take indices 0..49 with no gap or duplicate, each with its leaf', async () => {
    const events = Array.from({ length: 50 }, () => makeEvent());
    await Promise.all(events.map((e) => ctx.store.transaction((tx) => tx.appendAudit(e))));
    await ctx.store.integrateAudit();
    const expected = Array.from({ length: 50 }, (_, i) => i);
    assert.equal(await ctx.store.auditSize(), 50);
    const listed = await ctx.store.listAuditEvents({}, { limit: 100 });
    assert.deepEqual(
      listed.items.map((x) => x.index),
      expected,
    );
    // every event landed exactly once
    assert.deepEqual(
      listed.items.map((x) => x.event.eventId).sort(),
      events.map((e) => e.eventId).sort(),
    );
    const leaves = (await ctx.handle.readAuditNodes()).filter((n) => n.level === 0);
    assert.deepEqual(
      leaves.map((n) => n.index).sort((a, b) => a - b),
      expected,
    );
    for (const leaf of leaves) {
      const event = listed.items[leaf.index]?.event;
      assert.ok(event, `event ${leaf.index}`);
      assert.equal(Buffer.from(leaf.hash).toString('hex'), leafHash(event).toString('hex'));
    }
  });

  test('12 concurrent transactions, every third throwing after its writes: each commits or rolls back on its own', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        ctx.store.transaction(async (tx) => {
          await tx.insertApproval(makeApproval(`apr_g${i}`));
          await tx.appendAudit(makeEvent({ approvalId: `apr_g${i}` }));
          if (i % 3 === 2) throw new Boom(`unit ${i}`);
          return i;
        }),
      ),
    );
    await ctx.store.integrateAudit();
    const kept = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    assert.deepEqual(kept, [0, 1, 3, 4, 6, 7, 9, 10]);
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'rejected') assert.ok(o.reason instanceof Boom, `unit ${i}: ${o.reason}`);
      const stored = await ctx.store.getApproval(`apr_g${i}`);
      assert.equal(stored?.id, kept.includes(i) ? `apr_g${i}` : undefined, `apr_g${i}`);
    }
    // the state change and its event went together: one event per kept approval, no gap
    const listed = await ctx.store.listAuditEvents({}, { limit: 20 });
    assert.deepEqual(
      listed.items.map((x) => x.index),
      kept.map((_, n) => n),
    );
    assert.deepEqual(
      listed.items.map((x) => x.event.approvalId).sort(),
      kept.map((i) => `apr_g${i}`).sort(),
    );
    assert.equal(await ctx.store.auditSize(), kept.length);
  });

  test('after close, transactions and reads reject; closing twice is harmless', async () => {
    // a key lookup made just before close settles (it is batched with its turn's lookups)
    const inFlight = ctx.store.getApiKey('key_before_close').then(
      (key) => ({ key }),
      (err: unknown) => ({ err }),
    );
    await ctx.store.close();
    await ctx.store.close();
    const settled = await inFlight;
    assert.ok('err' in settled || settled.key === null, 'settled, with no key');
    await assert.rejects(ctx.store.transaction(async () => 1));
    await assert.rejects(ctx.store.getApproval('apr_1'));
    await assert.rejects(ctx.store.getApiKey('key_after_close'));
  });
}
