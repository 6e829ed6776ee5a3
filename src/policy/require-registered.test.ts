import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { requiresRegisteredVersion } from './environment.js';
import { parsePolicy } from './policy-schema.js';

const withSwitch = (value: unknown) => ({
  version: 1,
  environments: {
    dev: { posture: 'dev', sideEffects: 'allow' },
    prod: { posture: 'prod', sideEffects: 'deny', requireRegisteredVersion: value },
  },
});

function errorsOf(value: unknown): { path: string; message: string }[] {
  try {
    parsePolicy(withSwitch(value));
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.errors;
  }
  assert.fail('expected a validation error');
}

describe('environments.<env>.requireRegisteredVersion', () => {
  it('true covers every kind, a list only its kinds, false or absent none', () => {
    const all = parsePolicy(withSwitch(true));
    assert.equal(requiresRegisteredVersion(all, 'prod', 'deploy'), true);
    assert.equal(requiresRegisteredVersion(all, 'prod', 'migrate'), true);
    assert.equal(requiresRegisteredVersion(all, 'dev', 'deploy'), false, 'absent: off');
    assert.equal(requiresRegisteredVersion(all, 'nowhere', 'deploy'), false);
    const some = parsePolicy(withSwitch(['deploy', 'replay']));
    assert.equal(requiresRegisteredVersion(some, 'prod', 'deploy'), true);
    assert.equal(requiresRegisteredVersion(some, 'prod', 'restart'), false);
    const off = parsePolicy(withSwitch(false));
    assert.equal(requiresRegisteredVersion(off, 'prod', 'deploy'), false);
  });

  it('anything else is refused with its path', () => {
    assert.deepEqual(errorsOf('yes'), [
      {
        path: 'environments.prod.requireRegisteredVersion',
        message: 'must be true, false or a list of action kinds',
      },
    ]);
    assert.deepEqual(
      errorsOf([]).map((e) => e.path),
      ['environments.prod.requireRegisteredVersion'],
    );
    assert.deepEqual(
      errorsOf(['deploy', 'bad kind!']).map((e) => e.path),
      ['environments.prod.requireRegisteredVersion[1]'],
    );
  });
});
