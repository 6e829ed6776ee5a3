import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { providerHealth } from '../../src/config/provider-health.js';
import { defaultConfig } from '../../src/config/index.js';
import { registerOpsMetrics, registerProcessMetrics } from '../../src/http/metric-collectors.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';
import { repoPath } from '../helpers/paths.js';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** One metric sample's value (labels written as in the exposition text), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('store-backed metrics', () => {
  let h: Harness;
  let registry: Registry;
  before(async () => {
    h = await createHarness();
    registry = new Registry();
    registerProcessMetrics(registry);
    registerOpsMetrics(registry, {
      stats: () => h.store.opsStats(),
      providers: () => [
        { provider: 'slack', ready: true, missing: [] },
        { provider: 'jira', ready: false, missing: ['JIRA_TOKEN'] },
      ],
      now: () => h.clock.now(),
      serialised: () => h.store.serialisedSection(),
    });
    // two pending requests, one cancelled
    const requester = h.keys.requester!.principal;
    const a = await h.services.requests.create(requester, { action: deployAction('m:1') });
    await h.services.requests.create(requester, { action: deployAction('m:2') });
    await h.services.lifecycle.cancel(requester, a.approval.id, 'not needed');
    // outbox: two rows for slack, one of which goes dead; one for jira still pending
    const at = new Date(h.clock.now() - 90_000).toISOString();
    const row = (id: string, provider: string) => ({
      id,
      approvalId: a.approval.id,
      provider,
      event: 'requested',
      messageId: `msg_${id}`,
      payload: '{}',
      nextAttemptAt: at,
      createdAt: at,
    });
    await h.store.transaction((tx) =>
      tx.enqueueDeliveries([row('d1', 'slack'), row('d2', 'slack'), row('d3', 'jira')]),
    );
    const [claimed] = await h.store.claimDueDeliveries(
      new Date(h.clock.now()).toISOString(),
      1,
      60_000,
      {
        approvalId: a.approval.id,
        providers: ['slack'],
      },
    );
    assert.ok(claimed);
    await h.store.transaction((tx) =>
      tx.recordDeliveryAttempt({
        id: claimed.id,
        leaseToken: claimed.leaseToken,
        status: 'dead',
        attempts: 1,
        timings: [],
        nextAttemptAt: null,
        lastError: 'http_500',
        responseStatus: 500,
        target: null,
        atIso: new Date(h.clock.now()).toISOString(),
      }),
    );
    await h.services.audit.checkpoint();
    await h.services.requests.create(requester, { action: deployAction('m:3') });
    h.clock.advance(30_000);
  });
  after(async () => {
    await h.close();
  });

  test('request states, outbox depth, age and dead letters, checkpoint lag and age, provider readiness', async () => {
    const text = await registry.metrics();
    assert.equal(sample(text, 'countersign_store_up'), 1);
    assert.equal(sample(text, 'countersign_approval_requests{state="pending"}'), 2);
    assert.equal(sample(text, 'countersign_approval_requests{state="cancelled"}'), 1);
    assert.equal(sample(text, 'countersign_outbox_deliveries{provider="slack",status="dead"}'), 1);
    assert.equal(
      sample(text, 'countersign_outbox_deliveries{provider="slack",status="pending"}'),
      1,
    );
    assert.equal(sample(text, 'countersign_outbox_depth{provider="slack"}'), 1);
    assert.equal(sample(text, 'countersign_outbox_depth{provider="jira"}'), 1);
    assert.equal(sample(text, 'countersign_outbox_dead_letters{provider="slack"}'), 1);
    assert.equal(sample(text, 'countersign_outbox_oldest_age_seconds{provider="jira"}'), 120);
    const size = await h.store.auditSize();
    const cp = await h.store.latestCheckpoint();
    assert.ok(cp && cp.size < size, 'events were appended after the checkpoint');
    assert.equal(sample(text, 'countersign_audit_log_size'), size);
    assert.equal(sample(text, 'countersign_audit_checkpoint_size'), cp.size);
    assert.equal(sample(text, 'countersign_audit_unchecked_events'), size - cp.size);
    assert.equal(sample(text, 'countersign_audit_checkpoint_age_seconds'), 30);
    // every event is integrated by its own commit on SQLite
    assert.equal(sample(text, 'countersign_audit_pending_events'), 0);
    assert.equal(sample(text, 'countersign_audit_integration_lag_seconds'), 0);
    // the group commits behind those writes, as this process's serialised section
    const section = h.store.serialisedSection();
    assert.ok(section.entries > 0 && section.seconds > 0, JSON.stringify(section));
    assert.equal(sample(text, 'countersign_store_serialised_entries_total'), section.entries);
    assert.ok((sample(text, 'countersign_store_serialised_seconds_total') ?? 0) > 0);
    assert.equal(sample(text, 'countersign_notification_provider_ready{provider="slack"}'), 1);
    assert.equal(sample(text, 'countersign_notification_provider_ready{provider="jira"}'), 0);
    assert.ok(!text.includes('apr_'), 'no ids in labels');
  });

  test('a store that cannot be read reports countersign_store_up 0, and the scrape still answers', async () => {
    const broken = new Registry();
    registerOpsMetrics(broken, {
      stats: () => Promise.reject(new Error('database is locked')),
      providers: () => [],
      now: () => Date.now(),
    });
    const text = await broken.metrics();
    assert.equal(sample(text, 'countersign_store_up'), 0);
    assert.ok(!text.includes('countersign_approval_requests{'), 'no stale labelled series');
  });

  test('promtool check metrics finds no problem in the whole exposition', async (t) => {
    if (!PROMTOOL) {
      t.skip('promtool is not installed (/usr/bin/promtool): the exposition lint is skipped');
      console.log('# skipped: promtool is not installed, so `promtool check metrics` did not run');
      return;
    }
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: await registry.metrics(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  });
});

test('docs/metrics.md documents every metric, and the Grafana dashboard uses documented ones only', async () => {
  const doc = readFileSync(repoPath('docs/metrics.md'), 'utf8');
  const documented = new Set(doc.match(/countersign_[a-z_]+/g));
  const registry = new Registry();
  registerProcessMetrics(registry);
  registerOpsMetrics(registry, {
    stats: () => Promise.reject(new Error('not needed')),
    providers: () => [],
    now: () => 0,
  });
  for (const m of await registry.getMetricsAsJSON()) {
    if (/^countersign_(process|nodejs)_/.test(m.name)) continue;
    assert.ok(documented.has(m.name), `${m.name} is in docs/metrics.md`);
  }
  const dashboard = readFileSync(repoPath('docs/grafana-dashboard.json'), 'utf8');
  JSON.parse(dashboard);
  const used = new Set(
    (dashboard.match(/countersign_[a-z_]+/g) ?? []).map((n) =>
      n.replace(/_(bucket|sum|count)$/, ''),
    ),
  );
  assert.ok(used.size >= 10);
  for (const name of used)
    assert.ok(documented.has(name), `${name} (dashboard) is in docs/metrics.md`);
});

describe('readiness', () => {
  let h: Harness;
  before(async () => {
    const config = defaultConfig(process.cwd());
    const notifications = {
      ...config.notifications,
      providers: {
        ...config.notifications.providers,
        slack: {
          urlEnv: 'SLACK_URL_FOR_TEST',
          botTokenEnv: null,
          channel: null,
          apiUrl: 'https://slack.com/api',
          interactive: null,
        },
      },
    };
    const env: Record<string, string> = {};
    h = await createHarness({
      app: {
        operations: {
          stats: () => Promise.reject(new Error('unused')),
          providers: () => providerHealth(notifications, (n) => env[n]),
          now: () => Date.now(),
        },
      },
    });
  });
  after(async () => {
    await h.close();
  });

  test('/readyz reports a provider whose secret is unset as degraded, naming the variable', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.status, 'degraded');
    assert.deepEqual(body.providers, [
      { provider: 'slack', ready: false, missing: ['SLACK_URL_FOR_TEST'] },
    ]);
  });
});
