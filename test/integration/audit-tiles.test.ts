import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Buffer } from 'node:buffer';
import {
  MemoryTree,
  decodeEntryBundle,
  leafHash,
  toHex,
  verifyCheckpoint,
  verifyCosignatures,
} from '../../src/audit/index.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { randomIds } from '../../src/lib/ids.js';
import { auditEvent } from '../../src/services/audit-events.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { harnessLogKeys, startTestWitness, type TestWitness } from '../helpers/witness.js';

const EVENTS = 600;

describe('the audit log served as C2SP tlog-tiles', () => {
  let h: Harness;
  let w: TestWitness;
  let size: number;

  const get = (url: string, who = 'admin') =>
    h.app.inject({ method: 'GET', url: `/v1/audit/tiles/${url}`, headers: h.auth(who) });

  before(async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    w = await startTestWitness(
      mkdtempSync(join(tmpdir(), 'countersign-witness-')),
      'witness.test/w1',
    );
    h = await createHarness({ witnessing: { witnesses: [w.endpoint], minCosignatures: 1 } });
    w.logs.push(...harnessLogKeys(h.keyRing));
    // enough events for full tiles at level 0 and a partial one at level 1
    const target = EVENTS;
    while ((await h.store.auditSize()) < target) {
      await h.store.transaction(async (tx) => {
        for (let i = 0; i < 50; i++) {
          await tx.appendAudit(
            auditEvent({ clock: h.clock, ids: randomIds }, 'policy.loaded', SYSTEM_PRINCIPAL, {
              outcome: 'loaded',
              details: { n: i },
            }),
          );
        }
      });
    }
    await h.services.audit.checkpoint();
    const outcomes = await h.services.witnesses.witnessLatest();
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true],
      JSON.stringify(outcomes),
    );
    size = await h.store.auditSize();
  });
  after(async () => {
    await h.close();
    await w.close();
  });

  test('the checkpoint is the signed note with the witness cosignature appended', async () => {
    const r = await get('checkpoint');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    const v = verifyCheckpoint(r.body, harnessLogKeys(h.keyRing), {
      origin: 'countersign.test/audit',
    });
    assert.ok(v.ok);
    assert.equal(v.checkpoint.size, size);
    const cos = verifyCosignatures(r.body, [w.endpoint.key]);
    assert.deepEqual(
      cos.valid.map((c) => c.name),
      ['witness.test/w1'],
    );
  });

  test('hash tiles and entry bundles rebuild the signed tree; entries hash to the leaves', async () => {
    const leaves: Uint8Array[] = [];
    const entries: Uint8Array[] = [];
    for (let n = 0; n * 256 < size; n++) {
      const width = Math.min(256, size - n * 256);
      const suffix = width < 256 ? `.p/${width}` : '';
      const idx = String(n).padStart(3, '0');
      const t = await get(`tile/0/${idx}${suffix}`);
      assert.equal(t.statusCode, 200, t.body);
      assert.equal(t.headers['content-type'], 'application/octet-stream');
      assert.equal(t.headers['cache-control'], 'private, max-age=31536000, immutable');
      assert.equal(t.rawPayload.length, width * 32);
      for (let i = 0; i < width; i++) leaves.push(t.rawPayload.subarray(i * 32, (i + 1) * 32));
      const e = await get(`tile/entries/${idx}${suffix}`);
      assert.equal(e.statusCode, 200, e.body);
      entries.push(...(decodeEntryBundle(e.rawPayload) ?? []));
    }
    assert.equal(entries.length, size);
    entries.forEach((e, i) => assert.equal(toHex(leafHash(e)), toHex(leaves[i] as Uint8Array)));
    const events = await h.app.inject({
      method: 'GET',
      url: '/v1/audit?limit=3',
      headers: h.auth('admin'),
    });
    assert.deepEqual(
      JSON.parse(Buffer.from(entries[1] as Uint8Array).toString()),
      events.json().items[1].event,
    );
    const tree = new MemoryTree();
    for (const l of leaves) tree.append(l);
    const cp = verifyCheckpoint((await get('checkpoint')).body, harnessLogKeys(h.keyRing));
    assert.ok(cp.ok);
    assert.equal(toHex(tree.root()), toHex(cp.checkpoint.root));
    // level 1: the roots of the full level-0 tiles
    const l1 = await get(`tile/1/000.p/${Math.floor(size / 256)}`);
    assert.equal(l1.statusCode, 200, l1.body);
    assert.equal(toHex(l1.rawPayload.subarray(0, 32)), toHex(tree.get(8, 0) as Uint8Array));
    assert.equal(toHex(l1.rawPayload.subarray(32, 64)), toHex(tree.get(8, 1) as Uint8Array));
  });

  test('tiles past the tree, odd paths and callers without audit:read are refused', async () => {
    const full = Math.floor(size / 256);
    assert.equal((await get(`tile/0/00${full}`)).statusCode, 404);
    assert.equal((await get(`tile/entries/00${full}.p/${(size % 256) + 1}`)).statusCode, 404);
    assert.equal((await get('tile/1/000')).statusCode, 404);
    for (const bad of ['tile/0/0', 'tile/0/000.p/256', 'tile/9/000', 'tile/entries/x000/000']) {
      const r = await get(bad);
      assert.equal(r.statusCode, 404, bad);
      assert.equal(r.json().code, 'not_found');
    }
    const denied = await get('tile/0/000', 'requester');
    assert.equal(denied.statusCode, 403);
    const anonymous = await h.app.inject({ method: 'GET', url: '/v1/audit/tiles/checkpoint' });
    assert.equal(anonymous.statusCode, 401);
  });
});
