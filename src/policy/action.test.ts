import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionBinding } from '../domain/action.js';
import { InputError } from '../errors/index.js';
import { jcsHash } from '../lib/hash.js';
import { actionHash, normalizeAction } from './action.js';
import { SPEC_HASH, makeAction } from './test-fixtures.js';

function errorsOf(input: unknown): { path: string; message: string }[] {
  try {
    normalizeAction(input);
  } catch (err) {
    assert.ok(err instanceof InputError);
    assert.equal(err.code, 'validation_failed');
    assert.equal(err.message, 'invalid action');
    return err.errors;
  }
  assert.fail('expected a validation error');
}

const BASE = { kind: 'deploy', environment: 'prod', project: 'payments' };

describe('normalizeAction', () => {
  it('computes specHash from spec with RFC 8785 canonical JSON', () => {
    const spec = { pipeline: 'build', version: '1.2.3', steps: [1, 2] };
    const action = normalizeAction({ ...BASE, spec });
    assert.equal(action.specHash, jcsHash(spec));
    assert.deepEqual(action.spec, spec);
  });

  it('gives the same specHash for a reordered but equal spec', () => {
    const a = normalizeAction({ ...BASE, spec: { a: 1, b: { c: [1, 2], d: 'x' } } });
    const b = normalizeAction({ ...BASE, spec: { b: { d: 'x', c: [1, 2] }, a: 1 } });
    assert.equal(a.specHash, b.specHash);
  });

  it('accepts spec and specHash together when they agree', () => {
    const spec = { x: 1 };
    const action = normalizeAction({ ...BASE, spec, specHash: jcsHash(spec) });
    assert.equal(action.specHash, jcsHash(spec));
  });

  it('refuses spec and specHash that disagree', () => {
    assert.deepEqual(errorsOf({ ...BASE, spec: { x: 1 }, specHash: SPEC_HASH }), [
      { path: 'specHash', message: 'does not match the hash of spec' },
    ]);
  });

  it('refuses an action with neither spec nor specHash', () => {
    assert.deepEqual(errorsOf(BASE), [
      { path: 'specHash', message: 'spec or specHash is required' },
    ]);
  });

  it('refuses malformed specHash and configHash', () => {
    assert.deepEqual(
      errorsOf({ ...BASE, specHash: 'sha256:ABC', configHash: `sha1:${'a'.repeat(40)}` }),
      [
        { path: 'specHash', message: 'must be sha256: followed by 64 lowercase hex digits' },
        { path: 'configHash', message: 'must be sha256: followed by 64 lowercase hex digits' },
      ],
    );
  });

  it('refuses a spec that is not JSON', () => {
    assert.deepEqual(errorsOf({ ...BASE, spec: { n: Number.NaN } }), [
      { path: 'spec', message: 'must be a JSON value' },
    ]);
  });

  it('defaults mode to execute and constraints to {}, and sorts capabilities and risk tags', () => {
    const action = normalizeAction({
      ...BASE,
      specHash: SPEC_HASH,
      capabilities: ['z.cap', 'deploy', 'z.cap'],
      riskTags: ['write', 'network', 'write'],
    });
    assert.equal(action.mode, 'execute');
    assert.deepEqual(action.constraints, {});
    assert.deepEqual(action.capabilities, ['deploy', 'z.cap']);
    assert.deepEqual(action.riskTags, ['network', 'write']);
  });

  it('keeps context and optional fields', () => {
    const action = normalizeAction({
      ...BASE,
      mode: 'dry-run',
      specHash: SPEC_HASH,
      configHash: SPEC_HASH,
      target: 'iam/role.json',
      repository: 'payments/api',
      runId: '42',
      reason: 'release 1.2',
      constraints: { maxRuntimeSec: 900 },
    });
    assert.equal(action.mode, 'dry-run');
    assert.equal(action.configHash, SPEC_HASH);
    assert.equal(action.target, 'iam/role.json');
    assert.equal(action.repository, 'payments/api');
    assert.equal(action.runId, '42');
    assert.equal(action.reason, 'release 1.2');
    assert.deepEqual(action.constraints, { maxRuntimeSec: 900 });
  });

  it('refuses unknown fields such as requestedBy', () => {
    assert.deepEqual(errorsOf({ ...BASE, specHash: SPEC_HASH, requestedBy: 'mallory' }), [
      { path: 'requestedBy', message: 'unknown field' },
    ]);
  });

  it('lists every problem of arbitrary input at once', () => {
    assert.deepEqual(
      errorsOf({ kind: 7, mode: 'maybe', capabilities: 'deploy', constraints: [], target: '' }),
      [
        { path: 'kind', message: 'must be a string' },
        { path: 'mode', message: 'must be one of execute, dry-run' },
        { path: 'environment', message: 'is required' },
        { path: 'project', message: 'is required' },
        { path: 'specHash', message: 'spec or specHash is required' },
        { path: 'capabilities', message: 'must be a list of strings' },
        { path: 'constraints', message: 'must be an object' },
        { path: 'target', message: 'must not be empty' },
      ],
    );
  });

  it('refuses input that is not an object', () => {
    for (const input of [null, 'deploy', 42, [BASE]]) {
      assert.throws(() => normalizeAction(input), InputError);
    }
  });

  it('ignores inherited properties', () => {
    const proto = { ...BASE, specHash: SPEC_HASH };
    const errors = errorsOf(Object.assign(Object.create(proto) as object, {}));
    assert.equal(errors[0]?.message, 'must be an object');
  });
});

describe('actionHash', () => {
  const binding = (over: Partial<DecisionBinding> = {}): DecisionBinding => ({
    requiredCapabilities: [],
    riskTags: [],
    constraints: {},
    matchedRule: null,
    quorum: null,
    ...over,
  });

  it('hashes every bound field, absent ones as null (docs/credential-format.md)', () => {
    const action = makeAction({ capabilities: ['b'], repository: 'payments/api' });
    const expected = jcsHash({
      kind: 'deploy',
      mode: 'execute',
      environment: 'prod',
      project: 'payments',
      specHash: SPEC_HASH,
      configHash: null,
      target: null,
      repository: 'payments/api',
      sourceEnvironment: null,
      pipelineVersion: null,
      capabilities: ['a', 'b'],
      riskTags: ['prod', 'write'],
      constraints: { max_runtime_sec: 900 },
      rule: 'rules.r1',
      quorum: { min: 1, mode: 'any', groups: ['a', 'b'] },
    });
    const d = binding({
      requiredCapabilities: ['a', 'b'],
      riskTags: ['write', 'prod'],
      constraints: { max_runtime_sec: 900 },
      matchedRule: 'rules.r1',
      quorum: { min: 1, mode: 'any', groups: ['b', 'a'] },
    });
    assert.equal(actionHash(action, d), expected);
  });

  it('never changes with context fields', () => {
    const a = makeAction({ reason: 'one', runId: '1', workflow: 'w', stepId: 's' });
    const b = makeAction({ reason: 'two', runId: '2' });
    const d = binding({ requiredCapabilities: ['deploy'] });
    assert.equal(actionHash(a, d), actionHash(b, d));
  });

  it('changes with every bound action field', () => {
    const base = actionHash(makeAction(), binding());
    const variants: Record<string, unknown>[] = [
      { kind: 'replay' },
      { mode: 'dry-run' },
      { environment: 'staging' },
      { project: 'other' },
      { specHash: `sha256:${'b'.repeat(64)}` },
      { configHash: SPEC_HASH },
      { target: 'x' },
      { repository: 'payments/api' },
      { sourceEnvironment: 'staging' },
      { pipelineVersion: '1.4.2' },
      { capabilities: ['deploy'] },
    ];
    for (const v of variants) {
      assert.notEqual(actionHash(makeAction(v), binding()), base, JSON.stringify(v));
    }
  });

  it('changes with every bound part of the decision', () => {
    const base = actionHash(makeAction(), binding());
    const variants: Partial<DecisionBinding>[] = [
      { requiredCapabilities: ['deploy'] },
      { riskTags: ['write'] },
      { constraints: { max_lines_changed: 500 } },
      { matchedRule: 'rules.r1' },
      { quorum: { min: 1, mode: 'any', groups: ['sre'] } },
    ];
    for (const v of variants) {
      assert.notEqual(actionHash(makeAction(), binding(v)), base, JSON.stringify(v));
    }
  });
});
