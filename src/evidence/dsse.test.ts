import assert from 'node:assert/strict';
import { sign as signBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { testKey } from '../credentials/testing.js';
import {
  APPROVAL_PREDICATE_TYPE,
  approvalStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  signStatement,
  verifyAttestation,
} from './attestation.js';
import { preAuthEncoding, signEnvelope, verifyEnvelope, type DsseSigner } from './dsse.js';
import { buildFixture, type Fixture } from './evidence-fixture.js';

const credential = testKey('cred-1');
const checkpoint = testKey('audit-1', 'checkpoint');
const JWKS = { keys: [credential.jwk, checkpoint.jwk] };
const signerOf = (key: typeof credential): DsseSigner => ({
  sign: (bytes) => ({
    kid: key.kid,
    signature: new Uint8Array(signBytes(null, bytes, key.privateKey)),
  }),
});
const body = Buffer.from('{"hello":"world"}');

describe('DSSE: PAE', () => {
  it('counts UTF-8 bytes, not characters', () => {
    assert.equal(Buffer.from(preAuthEncoding('t', Buffer.from('é'))).toString(), 'DSSEv1 1 t 2 é');
  });
  it('encodes an empty body with length 0', () => {
    assert.equal(Buffer.from(preAuthEncoding('x', new Uint8Array())).toString(), 'DSSEv1 1 x 0 ');
  });
});

describe('DSSE: sign and verify', () => {
  const good = signEnvelope('application/example+json', body, signerOf(credential));

  it('round-trips with the credential key and names it', () => {
    const r = verifyEnvelope(good, JWKS);
    assert.equal(r.ok, true);
    if (r.ok) {
      assert.equal(r.keyid, credential.kid);
      assert.equal(Buffer.from(r.payload).toString(), body.toString());
    }
  });

  it('accepts URL-safe base64 as the spec requires', () => {
    const urlSafe = {
      ...good,
      payload: Buffer.from(body).toString('base64url'),
      signatures: good.signatures.map((s) => ({
        ...s,
        sig: Buffer.from(s.sig, 'base64').toString('base64url'),
      })),
    };
    assert.equal(verifyEnvelope(urlSafe, JWKS).ok, true);
  });

  const failures: [string, unknown, string][] = [
    [
      'a re-labelled payload type',
      { ...good, payloadType: 'application/other+json' },
      'invalid_signature',
    ],
    [
      'a changed payload',
      { ...good, payload: Buffer.from('{"hello":"there"}').toString('base64') },
      'invalid_signature',
    ],
    [
      'an unknown keyid',
      { ...good, signatures: [{ ...good.signatures[0], keyid: 'nope' }] },
      'unknown_signing_key',
    ],
    ['no signatures', { ...good, signatures: [] }, 'envelope_malformed'],
    ['a payload that is not base64', { ...good, payload: '***' }, 'envelope_malformed'],
    ['not an object', 'envelope', 'envelope_malformed'],
    ['null', null, 'envelope_malformed'],
  ];
  for (const [name, envelope, code] of failures) {
    it(`refuses ${name}: ${code}`, () => {
      const r = verifyEnvelope(envelope, JWKS);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.code, code);
    });
  }

  it('a checkpoint key never verifies an envelope, even under its own kid', () => {
    const byAudit = signEnvelope('application/example+json', body, signerOf(checkpoint));
    const r = verifyEnvelope(byAudit, JWKS);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, 'unknown_signing_key');
  });

  it('an empty key set is keyset_unavailable', () => {
    const r = verifyEnvelope(good, { keys: [] });
    assert.equal(!r.ok && r.code, 'keyset_unavailable');
  });
});

describe('in-toto attestation of an approval', () => {
  let f: Fixture;
  before(async () => {
    f = await buildFixture();
  });

  const statementOf = () =>
    approvalStatement({
      approval: { ...f.bundle.approval, callbackUrl: null },
      credential: null,
      checkpoint: {
        origin: f.bundle.checkpoint.origin,
        size: f.bundle.checkpoint.size,
        rootHash: f.bundle.checkpoint.rootHash,
      },
      generatedAt: '2026-01-01T00:00:00.000Z',
    });

  it('is a Statement v1 whose subject digest is the spec hash', () => {
    const s = statementOf();
    assert.equal(s._type, IN_TOTO_STATEMENT_TYPE);
    assert.equal(s.predicateType, APPROVAL_PREDICATE_TYPE);
    assert.deepEqual(s.subject, [
      {
        name: 'payments/deploy/service/payments-api',
        digest: { sha256: f.bundle.approval.action.specHash.slice('sha256:'.length) },
      },
    ]);
    assert.deepEqual(
      s.predicate.approvers.map((a) => a.name),
      ['bob'],
    );
    assert.equal(s.predicate.policySnapshot, f.bundle.approval.decision.policySnapshot);
  });

  it('signed by the credential key, it verifies; signed by the checkpoint key, it does not', () => {
    const s = statementOf();
    const env = signStatement(s, signerOf(f.credentialKey));
    assert.equal(env.payloadType, IN_TOTO_PAYLOAD_TYPE);
    const r = verifyAttestation(env, f.jwks);
    assert.equal(r.ok, true);
    if (r.ok) assert.deepEqual(r.statement, s);
    const byAudit = verifyAttestation(signStatement(s, signerOf(f.checkpointKey)), f.jwks);
    assert.equal(!byAudit.ok && byAudit.code, 'unknown_signing_key');
  });

  it('a signed envelope of another payload type or predicate type is statement_malformed', () => {
    const s = statementOf();
    const other = signEnvelope(
      'application/json',
      Buffer.from(JSON.stringify(s)),
      signerOf(f.credentialKey),
    );
    const r1 = verifyAttestation(other, f.jwks);
    assert.equal(!r1.ok && r1.code, 'statement_malformed');
    const wrongType = { ...s, predicateType: 'https://example.com/other' };
    const r2 = verifyAttestation(
      signEnvelope(
        IN_TOTO_PAYLOAD_TYPE,
        Buffer.from(JSON.stringify(wrongType)),
        signerOf(f.credentialKey),
      ),
      f.jwks,
    );
    assert.equal(!r2.ok && r2.code, 'statement_malformed');
  });
});
