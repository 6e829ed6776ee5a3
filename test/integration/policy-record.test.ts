import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createHarness, TEST_POLICY, type Harness } from '../helpers/harness.js';

/** `policy.loaded` at start: appended when the policy in force differs from the last recorded. */
describe('recording the policy in force', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const recorded = async () =>
    (await h.store.listAuditEvents({ type: 'policy.loaded' }, { limit: 10 })).items.map(
      (i) => i.event.details,
    );

  test('the first start records the policy; a start with the same policy records nothing', async () => {
    assert.equal(await h.services.policyRecord.recordLoaded('policy.yaml'), true);
    assert.equal(await h.services.policyRecord.recordLoaded('policy.yaml'), false);
    const [only, ...rest] = await recorded();
    assert.deepEqual(rest, []);
    assert.equal(only?.previousSnapshot, null);
    assert.equal(only?.file, 'policy.yaml');
    assert.match(String(only?.policySnapshot), /^sha256:/);
  });

  test('a changed policy is recorded with the snapshot it replaces, compared to the newest record', async () => {
    await h.services.policyRecord.recordLoaded('policy.yaml');
    h.setPolicy(TEST_POLICY.replace('requestTtl: 1h', 'requestTtl: 2h'));
    assert.equal(await h.services.policyRecord.recordLoaded('policy.yaml'), true);
    const [first, second] = (await recorded()).map((d) => d.policySnapshot);
    assert.notEqual(second, first);
    // back to the first policy: compared with the newest record, not the first one
    h.setPolicy(TEST_POLICY);
    assert.equal(await h.services.policyRecord.recordLoaded('policy.yaml'), true);
    assert.equal(await h.services.policyRecord.recordLoaded('policy.yaml'), false);
    assert.deepEqual(
      (await recorded()).map((d) => [d.policySnapshot, d.previousSnapshot]),
      [
        [first, null],
        [second, first],
        [first, second],
      ],
    );
  });
});
