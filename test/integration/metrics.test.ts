import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => {
  await h.close();
});

test('/metrics serves Prometheus text with request durations and gate answers by code, no ids', async () => {
  const gate = await h.app.inject({
    method: 'POST',
    url: '/v1/gate',
    headers: h.auth('requester'),
    payload: { action: deployAction('metrics:1') },
  });
  assert.equal(gate.statusCode, 403);
  await h.app.inject({
    method: 'GET',
    url: '/v1/approvals/apr_secretish',
    headers: h.auth('alice'),
  });
  const res = await h.app.inject({ method: 'GET', url: '/metrics', headers: h.auth('admin') });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain/);
  assert.match(
    res.body,
    /countersign_gate_answers_total\{outcome="rejected",code="approval_required"\} 1/,
  );
  assert.match(
    res.body,
    /countersign_http_request_duration_seconds_count\{method="POST",route="\/v1\/gate",status="403"\} 1/,
  );
  assert.match(res.body, /route="\/v1\/approvals\/:id"/);
  assert.ok(!res.body.includes('apr_secretish'), 'labels carry route patterns, never ids');
  assert.match(res.body, /countersign_process_cpu_seconds_total/);
});
