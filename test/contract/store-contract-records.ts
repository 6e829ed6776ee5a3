/** Store contract: decisions, API keys, credentials (and their single use), pipeline versions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isoPlus,
  makeAction,
  makeApiKey,
  makeCredential,
  makeDecision,
  MINUTE,
  type ContractContext,
} from './store-fixtures.js';

const T1 = isoPlus(MINUTE);

export function defineRecordContract(ctx: ContractContext): void {
  test('a decision reads back with its action, identical', async () => {
    const decision = makeDecision({ decisionId: 'dec_1' });
    const action = makeAction({ spec: { image: 'web:1.2.3', replicas: 3 }, runId: '42' });
    await ctx.store.transaction((tx) => tx.insertDecision(decision, action));
    assert.deepEqual(await ctx.store.getDecision('dec_1'), { decision, action });
    assert.equal(await ctx.store.getDecision('dec_missing'), null);
  });

  test('API keys: insert, get, list in creation order, touch, revoke once', async () => {
    const b = makeApiKey('key_b', { createdAt: isoPlus(MINUTE) });
    const a = makeApiKey('key_a', { createdAt: isoPlus(MINUTE), scopes: ['admin'], groups: [] });
    const first = makeApiKey('key_z', { createdAt: isoPlus(0) });
    await ctx.store.transaction(async (tx) => {
      await tx.insertApiKey(b);
      await tx.insertApiKey(a);
      await tx.insertApiKey(first);
    });
    assert.deepEqual(await ctx.store.getApiKey('key_a'), a);
    assert.equal(await ctx.store.getApiKey('key_missing'), null);
    assert.deepEqual(await ctx.store.listApiKeys(), [first, a, b]);

    await ctx.store.touchApiKey('key_b', isoPlus(2 * MINUTE));
    assert.deepEqual(await ctx.store.getApiKey('key_b'), { ...b, lastUsedAt: isoPlus(2 * MINUTE) });

    const at = isoPlus(3 * MINUTE);
    assert.equal(await ctx.store.transaction((tx) => tx.revokeApiKey('key_a', at)), true);
    assert.deepEqual(await ctx.store.getApiKey('key_a'), { ...a, revokedAt: at });
    assert.equal(
      await ctx.store.transaction((tx) => tx.revokeApiKey('key_a', isoPlus(4 * MINUTE))),
      false,
    );
    assert.equal(
      (await ctx.store.getApiKey('key_a'))?.revokedAt,
      at,
      'the first revocation time stays',
    );
    assert.equal(await ctx.store.transaction((tx) => tx.revokeApiKey('key_missing', at)), false);
  });

  test('API keys: lookups made together each get their own key, and none outlives a revocation', async () => {
    const keys = ['key_1', 'key_2', 'key_3'].map((id) => makeApiKey(id, { name: `name ${id}` }));
    await ctx.store.transaction(async (tx) => {
      for (const k of keys) await tx.insertApiKey(k);
    });
    // in one turn, as concurrent requests make them: repeats and a missing id among them
    const ids = ['key_3', 'key_1', 'key_missing', 'key_3', 'key_2', 'key_1'];
    const got = await Promise.all(ids.map((id) => ctx.store.getApiKey(id)));
    assert.deepEqual(
      got,
      ids.map((id) => keys.find((k) => k.id === id) ?? null),
    );
    const at = isoPlus(MINUTE);
    assert.equal(await ctx.store.transaction((tx) => tx.revokeApiKey('key_2', at)), true);
    const again = await Promise.all(['key_2', 'key_1'].map((id) => ctx.store.getApiKey(id)));
    assert.deepEqual(again, [{ ...keys[1], revokedAt: at }, keys[0]]);
  });

  test('API keys: a live key gets a new secret in place; a revoked or missing one does not', async () => {
    const live = makeApiKey('key_live');
    const gone = makeApiKey('key_gone', { revokedAt: isoPlus(MINUTE) });
    await ctx.store.transaction(async (tx) => {
      await tx.insertApiKey(live);
      await tx.insertApiKey(gone);
    });
    const hash = 'f'.repeat(64);
    assert.equal(
      await ctx.store.transaction((tx) => tx.replaceApiKeySecret('key_live', hash)),
      true,
    );
    assert.deepEqual(await ctx.store.getApiKey('key_live'), { ...live, secretHash: hash });
    assert.equal(
      await ctx.store.transaction((tx) => tx.replaceApiKeySecret('key_gone', hash)),
      false,
    );
    assert.deepEqual(await ctx.store.getApiKey('key_gone'), gone);
    assert.equal(
      await ctx.store.transaction((tx) => tx.replaceApiKeySecret('key_missing', hash)),
      false,
    );
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.replaceApiKeySecret('key_live', 'e'.repeat(64));
        throw new Error('roll back');
      }),
    );
    assert.equal((await ctx.store.getApiKey('key_live'))?.secretHash, hash, 'rolled back');
  });

  test('a credential reads back by approval id; consuming it succeeds exactly once', async () => {
    const cred = makeCredential('apr_1', 'jti_1');
    await ctx.store.transaction((tx) => tx.insertCredential(cred));
    assert.deepEqual(await ctx.store.getCredential('apr_1'), cred);
    assert.equal(await ctx.store.getCredential('apr_missing'), null);

    assert.equal(await ctx.store.isCredentialConsumed('jti_1'), false);
    assert.equal(
      await ctx.store.transaction((tx) => tx.consumeCredential('jti_1', 'apr_1', T1)),
      true,
    );
    assert.equal(await ctx.store.isCredentialConsumed('jti_1'), true);
    assert.equal(
      await ctx.store.transaction((tx) => tx.consumeCredential('jti_1', 'apr_1', T1)),
      false,
    );
    assert.equal(await ctx.store.isCredentialConsumed('jti_other'), false);
  });

  test('a second credential for the same approval or jti is refused', async () => {
    await ctx.store.transaction((tx) => tx.insertCredential(makeCredential('apr_1', 'jti_1')));
    await assert.rejects(
      ctx.store.transaction((tx) => tx.insertCredential(makeCredential('apr_1', 'jti_2'))),
    );
    await assert.rejects(
      ctx.store.transaction((tx) => tx.insertCredential(makeCredential('apr_2', 'jti_1'))),
    );
    assert.equal(await ctx.store.getCredential('apr_2'), null);
  });

  test('pipeline versions: register, find by project and spec hash; the same again writes nothing, another version replaces it', async () => {
    const v1 = {
      project: 'web',
      specHash: 'sha256:spec1',
      version: '1.0.0',
      registeredAt: T1,
      registeredBy: 'ci',
    };
    assert.equal(await ctx.store.transaction((tx) => tx.registerPipelineVersion(v1)), true);
    assert.deepEqual(await ctx.store.findPipelineVersion('web', 'sha256:spec1'), v1);
    assert.equal(await ctx.store.findPipelineVersion('web', 'sha256:other'), null);
    assert.equal(await ctx.store.findPipelineVersion('db', 'sha256:spec1'), null);

    const same = { ...v1, registeredAt: isoPlus(MINUTE), registeredBy: 'someone else' };
    assert.equal(await ctx.store.transaction((tx) => tx.registerPipelineVersion(same)), false);
    assert.deepEqual(await ctx.store.findPipelineVersion('web', 'sha256:spec1'), v1, 'unchanged');

    const v2 = { ...v1, version: '1.0.1', registeredAt: isoPlus(2 * MINUTE), registeredBy: 'ops' };
    assert.equal(await ctx.store.transaction((tx) => tx.registerPipelineVersion(v2)), true);
    assert.deepEqual(await ctx.store.findPipelineVersion('web', 'sha256:spec1'), v2);
  });

  test('pipeline versions list per project, latest registration first, paged without overlap', async () => {
    const at = [0, 1, 1, 2].map((m) => isoPlus(m * MINUTE));
    await ctx.store.transaction(async (tx) => {
      for (const [i, registeredAt] of at.entries()) {
        await tx.registerPipelineVersion({
          project: 'web',
          specHash: `sha256:spec${i}`,
          version: `1.0.${i}`,
          registeredAt,
          registeredBy: 'ci',
        });
      }
      await tx.registerPipelineVersion({
        project: 'db',
        specHash: 'sha256:spec9',
        version: '9',
        registeredAt: T1,
        registeredBy: 'ci',
      });
    });
    const first = await ctx.store.listPipelineVersions('web', { limit: 3 });
    // ties on registeredAt are broken by spec hash, descending
    assert.deepEqual(
      first.items.map((v) => v.version),
      ['1.0.3', '1.0.2', '1.0.1'],
    );
    assert.ok(first.nextCursor);
    const second = await ctx.store.listPipelineVersions('web', {
      limit: 3,
      cursor: first.nextCursor,
    });
    assert.deepEqual(
      second.items.map((v) => v.version),
      ['1.0.0'],
    );
    assert.equal(second.nextCursor, null);
    assert.deepEqual((await ctx.store.listPipelineVersions('none', { limit: 3 })).items, []);
  });
}
