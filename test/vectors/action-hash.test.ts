/**
 * The action-hash vectors of docs/credential-format.md: the server's hash of an action under its
 * decision, the verifier's rebuild from a credential's claims, and the documented JCS bytes agree.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { boundFields, type Action, type DecisionBinding } from '../../src/domain/action.js';
import { actionHash, normalizeAction } from '../../src/policy/action.js';
import {
  actionHashOfClaims,
  boundFieldsOfClaims,
  type CredentialClaims,
} from '../../src/credentials/verify/index.js';
import { jcs } from '../../src/lib/hash.js';
import { repoPath } from '../helpers/paths.js';

interface Vector {
  name: string;
  action: Record<string, unknown>;
  decision: DecisionBinding;
  claims: Partial<CredentialClaims>;
  jcs: string;
  actionHash: string;
}

const data = JSON.parse(readFileSync(repoPath('test', 'vectors', 'action-hash.json'), 'utf8')) as {
  vectors: Vector[];
};

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

describe('action hash vectors', () => {
  assert.ok(data.vectors.length >= 2);
  for (const v of data.vectors) {
    const action: Action = normalizeAction(v.action);

    it(`${v.name}: the bound fields canonicalise to the documented bytes`, () => {
      assert.equal(jcs(boundFields(action, v.decision)), v.jcs);
    });

    it(`${v.name}: the hash is sha256 of those bytes`, () => {
      assert.equal(sha256(v.jcs), v.actionHash);
      assert.equal(actionHash(action, v.decision), v.actionHash);
    });

    it(`${v.name}: a credential's claims rebuild the same hash`, () => {
      const claims = { ...v.claims, action_hash: v.actionHash } as CredentialClaims;
      assert.equal(jcs(boundFieldsOfClaims(claims)), v.jcs);
      assert.equal(actionHashOfClaims(claims), v.actionHash);
    });
  }
});
