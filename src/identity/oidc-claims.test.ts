import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RbacConfig } from '../config/config-types.js';
import { displayName, externalGroups, principalFromClaims } from './oidc-claims.js';

const rbac: RbacConfig = {
  scopes: { 'gate:check': ['Release'] },
  groupMappings: { 'okta:release': ['Release'] },
  repositoryPermissions: [],
};

describe('externalGroups', () => {
  test('an array keeps its trimmed, non-empty string members once', () => {
    assert.deepEqual(externalGroups({ groups: ['a', ' b ', '', 'a', 7, null, ['c']] }, 'groups'), [
      'a',
      'b',
    ]);
  });

  test('a string is split on whitespace and commas', () => {
    assert.deepEqual(externalGroups({ groups: 'a,b  c,\n d,,' }, 'groups'), ['a', 'b', 'c', 'd']);
  });

  test('the configured claim name is used as is, dots and URLs included', () => {
    const claim = 'https://countersign.example/groups';
    assert.deepEqual(externalGroups({ [claim]: ['x'], groups: ['y'] }, claim), ['x']);
  });

  test('roles is the fallback only when the groups claim is absent', () => {
    assert.deepEqual(externalGroups({ roles: ['r'] }, 'groups'), ['r']);
    assert.deepEqual(externalGroups({ groups: [], roles: ['r'] }, 'groups'), []);
    assert.deepEqual(externalGroups({ groups: { a: 1 }, roles: ['r'] }, 'groups'), []);
  });

  test('any other shape yields no groups', () => {
    for (const v of [42, true, null, { admin: true }]) {
      assert.deepEqual(externalGroups({ groups: v }, 'groups'), []);
    }
  });

  test('inherited properties are not claims', () => {
    assert.deepEqual(externalGroups({}, 'constructor'), []);
    assert.deepEqual(externalGroups({}, '__proto__'), []);
  });

  test('over-long groups are dropped and the count is bounded', () => {
    const many = Array.from({ length: 300 }, (_, i) => `g${i}`);
    assert.equal(externalGroups({ groups: many }, 'groups').length, 256);
    assert.deepEqual(externalGroups({ groups: ['x'.repeat(257), 'ok'] }, 'groups'), ['ok']);
  });
});

describe('displayName', () => {
  test('email, then preferred_username, then name, then sub', () => {
    assert.equal(displayName({ email: 'e@x', preferred_username: 'p', name: 'n' }, 's'), 'e@x');
    assert.equal(displayName({ email: ' ', preferred_username: 'p', name: 'n' }, 's'), 'p');
    assert.equal(displayName({ email: 1, name: 'n' }, 's'), 'n');
    assert.equal(displayName({ name: 'n'.repeat(300) }, 's'), 's');
  });
});

describe('principalFromClaims', () => {
  test('builds the user principal with mapped groups and granted scopes', () => {
    const p = principalFromClaims(
      'https://idp.example',
      'u1',
      { groups: 'okta:release' },
      'groups',
      rbac,
    );
    assert.deepEqual(p, {
      id: 'oidc:https://idp.example#u1',
      kind: 'user',
      name: 'u1',
      groups: ['Release', 'okta:release'],
      scopes: ['approvals:request', 'approvals:review', 'gate:check'],
      fingerprint: 'oidc:https://idp.example#u1',
    });
  });
});
