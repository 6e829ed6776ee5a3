import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => {
  await h.close();
});

const post = (payload: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: { ...h.auth('requester'), 'content-type': 'application/json' },
    payload,
  });

test('a repeated member name is a 400 naming the place, and nothing is recorded', async () => {
  const before = await h.store.auditSize();
  const res = await post(
    '{"action":{"kind":"deploy","environment":"dev","project":"shop","spec":{"image":"a","image":"b"}}}',
  );
  assert.equal(res.statusCode, 400);
  const body = res.json();
  assert.equal(body.code, 'validation_failed');
  assert.match(body.detail, /canonical JSON \(RFC 8785\) cannot represent exactly/);
  assert.deepEqual(
    body.errors.map((e: { path: string }) => e.path),
    ['/action/spec/image'],
  );
  assert.match(body.errors[0].message, /duplicate member name/);
  assert.equal(await h.store.auditSize(), before, 'nothing recorded');
});

test('an integer beyond 2^53 - 1 is a 400 (it would be rounded before hashing); a safe one is fine', async () => {
  const big = await post(
    '{"action":{"kind":"deploy","environment":"dev","project":"shop","spec":{"replicas":9007199254740993}}}',
  );
  assert.equal(big.statusCode, 400);
  assert.deepEqual(big.json().errors, [
    {
      path: '/action/spec/replicas',
      message:
        'number cannot be represented exactly: integers must stay within ±(2^53 − 1) (RFC 8785, I-JSON); send larger values as strings',
    },
  ]);
  const ok = await post(
    '{"action":{"kind":"deploy","environment":"dev","project":"shop","spec":{"replicas":9007199254740991}}}',
  );
  assert.equal(ok.statusCode, 200, ok.body);
});

test('a value outside a set of literals is one message listing what is allowed', async () => {
  const res = await post(
    JSON.stringify({
      action: { kind: 'deploy', environment: 'dev', project: 'shop', mode: 'later' },
    }),
  );
  assert.equal(res.statusCode, 400);
  const errors = res.json().errors as { path: string; message: string }[];
  const atMode = errors.filter((e) => e.path === '/action/mode');
  assert.equal(atMode.length, 1, JSON.stringify(errors));
  assert.match(atMode[0]!.message, /^must be one of: "execute", "dry-run"$/);
  assert.ok(!errors.some((e) => /equal to constant|match a schema in anyOf/.test(e.message)));
});

test('the OpenAPI document describes each proof field and serves the checkpoint-key route', async () => {
  const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const inclusion =
    doc.paths['/v1/audit/proofs/inclusion'].get.responses['200'].content['application/json'].schema;
  for (const field of ['index', 'size', 'leafHash', 'rootHash', 'proof', 'event']) {
    assert.ok(JSON.stringify(inclusion.properties[field]).includes('description'), field);
  }
  assert.ok(doc.paths['/v1/audit/checkpoint-key']);
});
