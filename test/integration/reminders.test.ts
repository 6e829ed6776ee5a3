import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { enqueueExpiryReminders } from '../../src/notify/reminders.js';
import { CONFIG } from '../../src/notify/test-fixtures.js';
import { randomIds } from '../../src/lib/ids.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

describe('expiring-soon reminders', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  test('one reminder per provider for a request about to expire, however often the task runs', async () => {
    const open = async (image: string, ttl: string) =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/approvals',
          headers: h.auth('requester'),
          payload: { action: deployAction(image), ttl },
        })
      ).json().id as string;
    const soon = await open('shop:soon', '10m');
    const later = await open('shop:later', '2h');
    const deps = {
      store: h.store,
      clock: h.clock,
      ids: randomIds,
      config: { ...CONFIG, remindBeforeMs: 15 * 60_000 },
    };
    assert.equal(await enqueueExpiryReminders(deps), 1);
    assert.equal(await enqueueExpiryReminders(deps), 1, 'runs again without duplicating');
    const rows = await h.store.listDeliveries(soon);
    const reminders = rows.filter((r) => r.event === 'expiring_soon');
    assert.deepEqual(reminders.map((r) => r.provider).sort(), [
      'jira',
      'servicenow',
      'slack',
      'teams',
      'webhook',
    ]);
    assert.equal(
      (await h.store.listDeliveries(later)).filter((r) => r.event === 'expiring_soon').length,
      0,
    );
    h.clock.advance(11 * 60_000);
    assert.equal(await enqueueExpiryReminders(deps), 0, 'an expired request gets no reminder');
    assert.equal(
      await enqueueExpiryReminders({ ...deps, config: { ...deps.config, remindBeforeMs: 0 } }),
      0,
    );
  });
});
