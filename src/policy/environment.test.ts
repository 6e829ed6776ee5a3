import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowsCrossEnvironmentReplay,
  breakGlassRules,
  environmentOf,
  maxRequestTtlMs,
  requestTtlMs,
} from './environment.js';
import { parsePolicy } from './policy-schema.js';
import { EXAMPLE_POLICY } from './test-fixtures.js';

const policy = parsePolicy(EXAMPLE_POLICY);

describe('environment helpers', () => {
  it('environmentOf returns the environment or null, never an inherited property', () => {
    assert.equal(environmentOf(policy, 'prod')?.posture, 'prod');
    assert.equal(environmentOf(policy, 'nowhere'), null);
    assert.equal(environmentOf(policy, 'constructor'), null);
  });

  it('breakGlassRules is null where the environment has no breakGlass section', () => {
    assert.equal(breakGlassRules(policy, 'dev'), null);
    assert.equal(breakGlassRules(policy, 'nowhere'), null);
    assert.deepEqual(breakGlassRules(policy, 'prod'), {
      groups: ['incident-commanders'],
      maxDurationMs: 4 * 3_600_000,
      requireExternalRef: true,
    });
  });

  it('breakGlassRules defaults to 4h and an external reference', () => {
    const p = parsePolicy({
      version: 1,
      environments: {
        locked: { posture: 'prod', sideEffects: 'deny', breakGlass: { groups: ['ic'] } },
        fast: {
          posture: 'prod',
          sideEffects: 'deny',
          breakGlass: { groups: ['ic'], maxDuration: '30m', requireExternalRef: false },
        },
      },
    });
    assert.deepEqual(breakGlassRules(p, 'locked'), {
      groups: ['ic'],
      maxDurationMs: 4 * 3_600_000,
      requireExternalRef: true,
    });
    assert.deepEqual(breakGlassRules(p, 'fast'), {
      groups: ['ic'],
      maxDurationMs: 30 * 60_000,
      requireExternalRef: false,
    });
  });

  it('request TTLs default to 24h and 720h', () => {
    const p = parsePolicy({
      version: 1,
      environments: { dev: { posture: 'dev', sideEffects: 'allow' } },
    });
    assert.equal(requestTtlMs(p), 24 * 3_600_000);
    assert.equal(maxRequestTtlMs(p), 720 * 3_600_000);
    const q = parsePolicy({
      version: 1,
      environments: { dev: { posture: 'dev', sideEffects: 'allow' } },
      defaults: { requestTtl: '2h', maxRequestTtl: 86400 },
    });
    assert.equal(requestTtlMs(q), 2 * 3_600_000);
    assert.equal(maxRequestTtlMs(q), 86_400_000);
  });

  it('allowsCrossEnvironmentReplay follows the environment and is false by default', () => {
    const p = parsePolicy({
      version: 1,
      environments: {
        prod: { posture: 'prod', sideEffects: 'require_approval', crossEnvironmentReplay: true },
        dev: { posture: 'dev', sideEffects: 'allow' },
      },
    });
    assert.equal(allowsCrossEnvironmentReplay(p, 'prod'), true);
    assert.equal(allowsCrossEnvironmentReplay(p, 'dev'), false);
    assert.equal(allowsCrossEnvironmentReplay(p, 'nowhere'), false);
  });
});
