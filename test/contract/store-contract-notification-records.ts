/**
 * Store contract: notification records (one per request and provider, never replaced) and the
 * replay guard of signed chat interactions (a signature is new once, and forgotten after its
 * window).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoPlus, MINUTE, type ContractContext } from './store-fixtures.js';

export function defineNotificationRecordContract(ctx: ContractContext): void {
  test('a record is stored once per request and provider, listed by provider, and touched', async () => {
    const base = { channel: null, createdAt: isoPlus(0), updatedAt: isoPlus(0) };
    const jira = { ...base, approvalId: 'apr_1', provider: 'jira', key: 'OPS-7' };
    const slack = {
      ...base,
      approvalId: 'apr_1',
      provider: 'slack',
      key: '1733300000.000100',
      channel: 'C0APPROVALS',
    };
    assert.equal(await ctx.store.transaction((tx) => tx.saveNotificationRecord(slack)), true);
    assert.equal(await ctx.store.transaction((tx) => tx.saveNotificationRecord(jira)), true);
    // a second create for the same request and provider is refused and changes nothing
    const again = { ...jira, key: 'OPS-8' };
    assert.equal(await ctx.store.transaction((tx) => tx.saveNotificationRecord(again)), false);
    assert.deepEqual(await ctx.store.listNotificationRecords('apr_1'), [jira, slack]);
    assert.deepEqual(await ctx.store.listNotificationRecords('apr_2'), []);
    await ctx.store.transaction((tx) =>
      tx.touchNotificationRecord('apr_1', 'jira', isoPlus(MINUTE)),
    );
    const [touched] = await ctx.store.listNotificationRecords('apr_1');
    assert.deepEqual(touched, { ...jira, updatedAt: isoPlus(MINUTE) });
  });

  test('a signature is new once; a replay within the window is not; old ones are forgotten', async () => {
    const remember = (sig: string, at: number, forgetBefore: number) =>
      ctx.store.transaction((tx) => tx.rememberSignature(sig, isoPlus(at), isoPlus(forgetBefore)));
    assert.equal(await remember('v0=aa', 0, -10 * MINUTE), true);
    assert.equal(await remember('v0=bb', 0, -10 * MINUTE), true);
    assert.equal(await remember('v0=aa', MINUTE, -9 * MINUTE), false);
    // ten minutes on, `v0=aa` is older than the window and forgotten
    assert.equal(await remember('v0=cc', 11 * MINUTE, MINUTE / 2), true);
    assert.equal(await remember('v0=aa', 11 * MINUTE, MINUTE / 2), true);
  });
}
