import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { describe, it } from 'node:test';
import { preAuthEncoding } from '../../src/evidence/dsse.js';

interface Data {
  payloadType: string;
  body: string;
  pae: string;
  key: { x: string; y: string };
  envelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

const data = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'dsse-protocol.json'), 'utf8'),
) as Data;

/** A decimal coordinate as the 32-byte big-endian base64url a JWK holds. */
const coordinate = (decimal: string): string =>
  Buffer.from(BigInt(decimal).toString(16).padStart(64, '0'), 'hex').toString('base64url');

describe('DSSE protocol test vector', () => {
  it('PAE of the HelloWorld example is the published byte string', () => {
    const pae = preAuthEncoding(data.payloadType, Buffer.from(data.body, 'utf8'));
    assert.equal(Buffer.from(pae).toString('utf8'), data.pae);
  });

  it('the published P-256 signature verifies over our PAE of the published envelope', () => {
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: coordinate(data.key.x), y: coordinate(data.key.y) },
      format: 'jwk',
    });
    const body = Buffer.from(data.envelope.payload, 'base64');
    assert.equal(body.toString('utf8'), data.body);
    const sig = Buffer.from(data.envelope.signatures[0]?.sig ?? '', 'base64');
    const pae = preAuthEncoding(data.envelope.payloadType, body);
    assert.equal(verify('sha256', pae, { key, dsaEncoding: 'ieee-p1363' }, sig), true);
    // one more byte in the body changes the PAE length field: the signature no longer holds
    const longer = preAuthEncoding(data.envelope.payloadType, Buffer.from(`${data.body}!`));
    assert.equal(verify('sha256', longer, { key, dsaEncoding: 'ieee-p1363' }, sig), false);
  });
});
