import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  eventLeafHash,
  hashFromHex,
  parseCheckpoint,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/index.js';
import { AUDIT_EVENT_TYPES } from '../../src/domain/audit-event.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const hx = (s: string) => hashFromHex(s) as Uint8Array;

describe('the audit API: events, signed checkpoints and proofs that verify', () => {
  let h: Harness;
  let approvalId: string;
  before(async () => {
    h = await createHarness();
    await h.addKey('auditor', ['audit:read']);
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:audit-api') },
    });
    approvalId = r.json().id;
    for (const who of ['alice', 'bob']) {
      await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${approvalId}/approve`,
        headers: h.auth(who),
        payload: { reason: 'ok' },
      });
    }
  });
  after(async () => {
    await h.close();
  });

  const get = (url: string, who = 'auditor', headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers: { ...h.auth(who), ...headers } });

  test('reading the audit log needs audit:read (403 forbidden otherwise)', async () => {
    const res = await get('/v1/audit', 'requester');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'forbidden');
  });

  test('events come as {index, event} in log order and filter by approval and type', async () => {
    const res = await get(`/v1/audit?approval=${approvalId}`);
    assert.equal(res.statusCode, 200);
    const items = res.json().items as { index: number; event: { type: string } }[];
    assert.deepEqual(
      items.map((i) => i.event.type),
      ['approval.requested', 'approval.reviewed', 'approval.approved', 'credential.issued'],
    );
    const indices = items.map((i) => i.index);
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      indices,
    );
    const typed = await get('/v1/audit?type=approval.approved');
    assert.ok(
      (typed.json().items as { event: { type: string } }[]).every(
        (i) => i.event.type === 'approval.approved',
      ),
    );
    const bad = await get('/v1/audit?type=made.up');
    assert.equal(bad.statusCode, 400);
  });

  test('the checkpoint is a C2SP signed note (text/plain) signed by the checkpoint key from the JWKS', async () => {
    const size = await h.store.auditSize();
    const text = await get('/v1/audit/checkpoint');
    assert.equal(text.statusCode, 200);
    assert.match(text.headers['content-type'] as string, /^text\/plain/);
    const parsed = parseCheckpoint(text.body);
    assert.ok(parsed.ok);
    assert.equal(parsed.checkpoint.size, size);
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as {
      keys: Record<string, string>[];
    };
    const cpKey = jwks.keys.find((k) => k['countersign:purpose'] === 'checkpoint');
    const credKey = jwks.keys.find((k) => k['countersign:purpose'] === 'credential');
    assert.ok(cpKey && credKey);
    const key = (k: Record<string, string>) => ({
      name: 'countersign.test/audit',
      publicKey: new Uint8Array(Buffer.from(k.x as string, 'base64url')),
    });
    assert.equal(verifyCheckpoint(text.body, key(cpKey)).ok, true);
    assert.equal(
      verifyCheckpoint(text.body, key(credKey)).ok,
      false,
      'never signed by a credential key',
    );
    const json = await get('/v1/audit/checkpoint', 'auditor', { accept: 'application/json' });
    assert.equal(json.json().size, size);
    assert.equal(json.json().origin, 'countersign.test/audit');
  });

  test('an inclusion proof verifies against the checkpoint root, and fails for another event', async () => {
    const cp = (
      await get('/v1/audit/checkpoint', 'auditor', { accept: 'application/json' })
    ).json();
    const events = (await get(`/v1/audit?approval=${approvalId}`)).json().items as {
      index: number;
      event: unknown;
    }[];
    for (const { index, event } of events) {
      const res = await get(`/v1/audit/proofs/inclusion?index=${index}&size=${cp.size}`);
      assert.equal(res.statusCode, 200, res.body);
      const p = res.json();
      assert.equal(p.rootHash, cp.rootHash);
      const leaf = eventLeafHash(event);
      assert.equal(toHex(leaf), p.leafHash);
      assert.ok(verifyInclusion(leaf, index, cp.size, p.proof.map(hx), hx(cp.rootHash)));
      const other = eventLeafHash({ ...(event as object), outcome: 'forged' });
      assert.equal(verifyInclusion(other, index, cp.size, p.proof.map(hx), hx(cp.rootHash)), false);
    }
    const out = await get(`/v1/audit/proofs/inclusion?index=${cp.size}&size=${cp.size}`);
    assert.equal(out.statusCode, 400);
  });

  test('a consistency proof links an older tree to the newer one', async () => {
    const from = await h.store.auditSize();
    await h.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:more') },
    });
    const to = await h.store.auditSize();
    assert.ok(to > from);
    const res = await get(`/v1/audit/proofs/consistency?from=${from}&to=${to}`);
    assert.equal(res.statusCode, 200, res.body);
    const p = res.json();
    assert.ok(verifyConsistency(from, to, p.proof.map(hx), hx(p.fromRootHash), hx(p.toRootHash)));
    assert.equal(
      verifyConsistency(from, to, p.proof.map(hx), hx(p.toRootHash), hx(p.toRootHash)),
      false,
    );
  });

  test('the full log verifies through the service after all of this', async () => {
    await h.services.audit.checkpoint();
    const r = await h.services.audit.verify();
    assert.equal(r.ok, true, JSON.stringify(r));
  });

  test('every stored event type is from the closed list', async () => {
    const all = await h.store.listAuditEvents({}, { limit: 1000 });
    for (const { event } of all.items)
      assert.ok((AUDIT_EVENT_TYPES as readonly string[]).includes(event.type));
  });
});
