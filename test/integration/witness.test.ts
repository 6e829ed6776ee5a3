import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import {
  consistencyProof,
  formatAddCheckpoint,
  formatCheckpointBody,
  hashFromHex,
  signCheckpoint,
  verifyCosignatures,
  type NoteSigner,
} from '../../src/audit/index.js';
import { verifyEvidence, type EvidenceBundle } from '../../src/evidence/evidence.js';
import { createCheckpointKeys } from '../../src/credentials/checkpoint-keys.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';
import { harnessLogKeys, startTestWitness, type TestWitness } from '../helpers/witness.js';

/**
 * The log's witness client against real witnesses (HTTP on 127.0.0.1, SQLite state): cosignatures
 * stored with checkpoints and carried by evidence; the 409 size exchange; every refusal code.
 */
describe('witnessing: tlog-witness add-checkpoint between the log and real witnesses', () => {
  let dir: string;
  let h: Harness;
  let w1: TestWitness;
  let w2: TestWitness;
  let jwks: JSONWebKeySet;

  const approve = async (image: string) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction(image) },
    });
    assert.equal(r.statusCode, 201, r.body);
    for (const who of ['alice', 'bob']) {
      await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${r.json().id}/approve`,
        headers: h.auth(who),
        payload: { reason: 'ok' },
      });
    }
    return r.json().id as string;
  };
  const post = (url: string, body: string) =>
    fetch(`${url}/add-checkpoint`, { method: 'POST', body });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-witnesses-'));
    w1 = await startTestWitness(dir, 'witness.test/w1');
    w2 = await startTestWitness(dir, 'witness.test/w2');
    h = await createHarness({
      witnessing: { witnesses: [w1.endpoint, w2.endpoint], minCosignatures: 2 },
    });
    w1.logs.push(...harnessLogKeys(h.keyRing));
    w2.logs.push(...harnessLogKeys(h.keyRing));
    jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
  });
  after(async () => {
    await h.close();
    await w1.close();
    await w2.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each checkpoint is cosigned by both witnesses, stored, and carried by evidence', async () => {
    const id = await approve('shop:w-1');
    const cp = await h.services.audit.checkpoint();
    assert.ok(cp);
    const outcomes = await h.services.witnesses.witnessLatest();
    assert.deepEqual(outcomes.map((o) => [o.witness, o.ok]).sort(), [
      ['witness.test/w1', true],
      ['witness.test/w2', true],
    ]);
    const rows = await h.store.listCosignatures(cp.size);
    assert.deepEqual(
      rows.map((r) => r.witness),
      ['witness.test/w1', 'witness.test/w2'],
    );
    assert.equal(w1.state.get('countersign.test/audit')?.size, cp.size);
    const r = await h.app.inject({
      method: 'GET',
      url: `/v1/evidence/${id}`,
      headers: h.auth('admin'),
    });
    assert.equal(r.statusCode, 200, r.body);
    const bundle = r.json() as EvidenceBundle;
    const witnesses = [w1.endpoint.key, w2.endpoint.key];
    const ok = await verifyEvidence(bundle, { jwks, witnesses, minCosignatures: 2 });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    // a verifier trusting another witness sees no cosignature it accepts
    const stranger = await startTestWitness(dir, 'witness.test/stranger');
    await stranger.close();
    const no = await verifyEvidence(bundle, { jwks, witnesses: [stranger.endpoint.key] });
    assert.equal(no.ok, false);
    if (!no.ok)
      assert.deepEqual(
        no.problems.map((p) => p.code),
        ['checkpoint_unwitnessed'],
      );
  });

  test('a log that lost its record of a witness learns its size from the 409 and proves from there', async () => {
    await approve('shop:w-2');
    // the log forgets what the witnesses cosigned: it will submit with old size 0
    h.store.database.exec('DELETE FROM audit_cosignatures');
    const cp = await h.services.audit.checkpoint();
    assert.ok(cp);
    const outcomes = await h.services.witnesses.witnessLatest();
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes),
    );
    assert.equal(w2.state.get('countersign.test/audit')?.size, cp.size);
  });

  test('evidence waits for the policy: without enough cosignatures there is no bundle (503)', async () => {
    const down = await createHarness({
      witnessing: {
        witnesses: [{ ...w2.endpoint, url: 'http://127.0.0.1:9' }],
        minCosignatures: 1,
      },
    });
    try {
      const a = await down.app.inject({
        method: 'POST',
        url: '/v1/approvals',
        headers: down.auth('requester'),
        payload: { action: deployAction('shop:w-down') },
      });
      assert.equal(a.statusCode, 201, a.body);
      const r = await down.app.inject({
        method: 'GET',
        url: `/v1/evidence/${a.json().id}`,
        headers: down.auth('admin'),
      });
      assert.equal(r.statusCode, 503, r.body);
      assert.equal(r.json().code, 'audit_unavailable');
      assert.match(r.json().detail, /witness cosignatures/);
    } finally {
      await down.close();
    }
  });

  test('the witness refuses with the protocol codes and never cosigns an inconsistent tree', async () => {
    const logSigner = createCheckpointKeys(h.keyRing, 'countersign.test/audit').signer();
    const record = w1.state.get('countersign.test/audit');
    assert.ok(record);
    const known = record.size;
    const note = (await h.store.latestCheckpoint())?.note as string;
    const sign = (origin: string, size: number, root: Uint8Array, signer: NoteSigner = logSigner) =>
      signCheckpoint(formatCheckpointBody({ origin, size, root }), { ...signer, name: origin });

    assert.equal((await post(w1.url, 'hello')).status, 400);
    const strangerLog = await startTestWitness(dir, 'other.log');
    await strangerLog.close();
    const otherOrigin = await sign('other.log', 1, new Uint8Array(32), strangerLog.key.signer);
    assert.equal(
      (await post(w1.url, formatAddCheckpoint({ oldSize: 0, proof: [], note: otherOrigin })))
        .status,
      404,
    );
    const forgedKey = await sign('countersign.test/audit', known, new Uint8Array(32), {
      ...strangerLog.key.signer,
      name: 'countersign.test/audit',
    });
    assert.equal(
      (await post(w1.url, formatAddCheckpoint({ oldSize: known, proof: [], note: forgedKey })))
        .status,
      403,
    );

    const stale = await post(w1.url, formatAddCheckpoint({ oldSize: 1, proof: [], note }));
    assert.equal(stale.status, 409);
    assert.equal(stale.headers.get('content-type'), 'text/x.tlog.size');
    assert.equal(await stale.text(), `${known}\n`);

    // validly signed by the log, but not an extension of what the witness cosigned
    const readNodes = (refs: readonly { level: number; index: number }[]) =>
      h.store.readAuditNodes(refs);
    const forkRoot = new Uint8Array(32).fill(9);
    const fork = await sign('countersign.test/audit', known + 3, forkRoot);
    const proof = await consistencyProof(known - 1, known, readNodes);
    const refused = await post(w1.url, formatAddCheckpoint({ oldSize: known, proof, note: fork }));
    assert.equal(refused.status, 422);
    const sameSize = await sign('countersign.test/audit', known, forkRoot);
    const conflict = await post(
      w1.url,
      formatAddCheckpoint({ oldSize: known, proof: [], note: sameSize }),
    );
    assert.equal(conflict.status, 409);
    assert.equal(w1.state.get('countersign.test/audit')?.size, known);
    assert.equal(
      Buffer.from(w1.state.get('countersign.test/audit')?.root as Uint8Array).toString('hex'),
      Buffer.from(record.root).toString('hex'),
    );
    assert.deepEqual(
      w1.refusals.map((r) => r.status),
      [422, 409],
    );

    // the same checkpoint again is cosigned again (old size = its size, same root)
    const again = await post(w1.url, formatAddCheckpoint({ oldSize: known, proof: [], note }));
    assert.equal(again.status, 200);
    const line = (await again.text()).trim();
    assert.equal(verifyCosignatures(`${note}${line}\n`, [w1.endpoint.key]).valid.length, 1);
    assert.ok(hashFromHex((await h.store.latestCheckpoint())?.rootHash as string));
  });

  test("an idle connection to the witness outlives fetch's own idle timeout (no reset on reuse)", async () => {
    // fetch keeps an idle connection for 4 s, or the server's advertised timeout less 1 s; a
    // server that closes sooner than the client can race a reused connection into ECONNRESET
    const r = await fetch(`${w1.url}/add-checkpoint`);
    assert.equal(r.status, 405);
    await r.text();
    const advertised = /timeout=(\d+)/.exec(r.headers.get('keep-alive') ?? '');
    assert.ok(advertised, `keep-alive header: ${r.headers.get('keep-alive')}`);
    assert.ok(Number(advertised[1]) > 5, `the witness keeps idle connections ${advertised[1]} s`);
  });
});
