import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { jcsHash } from '../lib/hash.js';
import { parsePolicy, policySnapshot } from './policy-schema.js';
import { EXAMPLE_POLICY } from './test-fixtures.js';

/** Runs `fn`, expects a validation InputError and returns its field errors. */
function validationErrors(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.code, 'validation_failed');
    return err.errors;
  }
  assert.fail('expected a validation error');
}

const MINIMAL = { version: 1, environments: { dev: { posture: 'dev', sideEffects: 'allow' } } };

describe('parsePolicy', () => {
  it('loads the docs/configuration.md example and expands defaults', () => {
    const policy = parsePolicy(EXAMPLE_POLICY, 'policy.yaml');
    assert.equal(policy.version, 1);
    assert.equal(policy.source, 'policy.yaml');
    assert.deepEqual(Object.keys(policy.environments), ['dev', 'staging', 'prod', 'locked']);
    const prod = policy.environments.prod;
    assert.ok(prod);
    assert.deepEqual(prod.approvers, { groups: ['release-managers'], min: 1, mode: 'any' });
    assert.deepEqual(prod.breakGlass, {
      groups: ['incident-commanders'],
      maxDurationMs: 4 * 3_600_000,
      requireExternalRef: true,
    });
    assert.equal(prod.actions.deploy?.credentialTtlMs, 3_600_000);
    assert.deepEqual(prod.actions.replay?.approvers, {
      groups: ['sre', 'security'],
      min: 2,
      mode: 'each',
    });
    assert.equal(policy.environments.locked?.replay, 'allowed');
    assert.equal(policy.environments.dev?.crossEnvironmentReplay, false);
    assert.equal(policy.rules.length, 3);
    assert.deepEqual(policy.rules[0]?.match.kind, ['write_file']);
    assert.equal(policy.rules[0]?.severity, 'high');
    assert.equal(policy.routing[0]?.id, 'routing[0]');
    assert.deepEqual(policy.routing[0]?.approverGroups, ['Platform Security']);
    assert.deepEqual(policy.defaults, {
      requestTtlMs: 24 * 3_600_000,
      maxRequestTtlMs: 720 * 3_600_000,
      credentialTtlMs: 3_600_000,
    });
  });

  it('accepts an already-parsed object and JSON text alike', () => {
    const fromObject = parsePolicy(MINIMAL);
    const fromJson = parsePolicy(JSON.stringify(MINIMAL));
    assert.equal(fromObject.snapshot, fromJson.snapshot);
    assert.equal(fromObject.environments.dev?.posture, 'dev');
  });

  it('returns a deeply frozen policy and leaves the caller object unfrozen', () => {
    const input = structuredClone(MINIMAL);
    const policy = parsePolicy(input);
    assert.ok(Object.isFrozen(policy));
    assert.ok(Object.isFrozen(policy.environments.dev));
    assert.ok(Object.isFrozen(policy.document));
    assert.ok(!Object.isFrozen(input));
    assert.throws(() => {
      (policy.defaults as { requestTtlMs: number }).requestTtlMs = 1;
    }, TypeError);
  });

  it('raises min to the number of groups for mode each', () => {
    const policy = parsePolicy({
      version: 1,
      environments: {
        prod: {
          posture: 'prod',
          sideEffects: 'require_approval',
          approvers: { groups: ['a', 'b', 'c'], min: 1, mode: 'each' },
        },
      },
    });
    assert.deepEqual(policy.environments.prod?.approvers, {
      groups: ['a', 'b', 'c'],
      min: 3,
      mode: 'each',
    });
  });

  it('keeps a min larger than the group count for mode any', () => {
    const policy = parsePolicy({
      version: 1,
      environments: {
        prod: {
          posture: 'prod',
          sideEffects: 'require_approval',
          approvers: { groups: ['a'], min: 3 },
        },
      },
    });
    assert.deepEqual(policy.environments.prod?.approvers, { groups: ['a'], min: 3, mode: 'any' });
  });

  it('lists every error with its path at once', () => {
    const errors = validationErrors(() =>
      parsePolicy({
        version: 2,
        environments: {
          prod: {
            posture: 'production',
            sideEffects: 'maybe',
            replay: 'sometimes',
            approvers: { groups: [], min: 0, mode: 'all' },
            actions: { deploy: { credentialTtl: 'soon', singleUse: 'yes', colour: 'red' } },
            breakGlass: { maxDuration: '4 hours' },
          },
        },
        rules: [
          { id: 'r1', match: { kind: 'x', environments: ['nowhere'] }, outcome: 'permit' },
          { id: 'r1', match: { kind: 'y' }, severity: 'extreme' },
          { match: {} },
        ],
        routing: [{ match: { severity: 'urgent' } }],
        defaults: { requestTtl: '800h' },
        extra: true,
      }),
    );
    const byPath = new Map(errors.map((e) => [e.path, e.message]));
    const expected: Record<string, string> = {
      version: 'must be 1',
      extra: 'unknown field',
      'environments.prod.posture': 'must be one of dev, staging, prod',
      'environments.prod.sideEffects': 'must be one of allow, require_approval, deny',
      'environments.prod.replay': 'must be one of allowed, dry_run_only, disabled',
      'environments.prod.approvers.groups': 'must list at least one entry',
      'environments.prod.approvers.min': 'must be an integer from 1 to 100',
      'environments.prod.approvers.mode': 'must be one of any, each',
      'environments.prod.actions.deploy.credentialTtl': 'must be a duration like 30s',
      'environments.prod.actions.deploy.singleUse': 'must be true or false',
      'environments.prod.actions.deploy.colour': 'unknown field',
      'environments.prod.breakGlass.groups': 'is required',
      'environments.prod.breakGlass.maxDuration': 'must be a duration like 30s',
      'rules[0].match.environments[0]': 'unknown environment',
      'rules[0].outcome': 'must be one of allow, require_approval, deny',
      'rules[1].id': 'duplicate rule id r1',
      'rules[1].severity': 'must be one of low, medium, high, critical',
      'rules[2].id': 'is required',
      'routing[0].match.severity[0]': 'must be one of low, medium, high, critical',
      'routing[0].approverGroup': 'is required',
      'defaults.requestTtl': 'must not be longer than defaults.maxRequestTtl',
    };
    for (const [path, message] of Object.entries(expected)) {
      assert.equal(byPath.get(path), message, `error at ${path}`);
    }
    assert.equal(errors.length, Object.keys(expected).length, JSON.stringify(errors, null, 1));
  });

  it('requires version and environments', () => {
    const errors = validationErrors(() => parsePolicy({}));
    assert.deepEqual(errors, [
      { path: 'version', message: 'is required' },
      { path: 'environments', message: 'is required' },
    ]);
  });

  it('requires posture and sideEffects on every environment', () => {
    const errors = validationErrors(() => parsePolicy({ version: 1, environments: { dev: {} } }));
    assert.deepEqual(errors, [
      { path: 'environments.dev.posture', message: 'is required' },
      { path: 'environments.dev.sideEffects', message: 'is required' },
    ]);
  });

  it('refuses environment ids that could collide with object internals', () => {
    const errors = validationErrors(() =>
      parsePolicy(
        JSON.parse(
          '{"version":1,"environments":{"__proto__":{"posture":"dev","sideEffects":"allow"}}}',
        ),
      ),
    );
    assert.equal(errors[0]?.path, 'environments.__proto__');
  });

  it('refuses a non-object document', () => {
    const errors = validationErrors(() => parsePolicy('- just\n- a list\n'));
    assert.deepEqual(errors, [{ path: '(root)', message: 'must be an object' }]);
  });

  it('refuses an empty document', () => {
    const errors = validationErrors(() => parsePolicy('# nothing here\n'));
    assert.deepEqual(errors, [{ path: '(root)', message: 'is required' }]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    const errors = validationErrors(() =>
      parsePolicy('version: 1\nversion: 1\nenvironments: {dev: [\n', 'p.yaml'),
    );
    assert.ok(errors.length >= 2);
    assert.ok(errors.every((e) => /^line \d+, column \d+$/.test(e.path)));
    assert.ok(errors.some((e) => e.path === 'line 2, column 1' && /unique/i.test(e.message)));
  });

  it('names the source in the error message', () => {
    assert.throws(
      () => parsePolicy('version: 3', 'conf/policy.yaml'),
      (err: unknown) =>
        err instanceof InputError && err.message === 'invalid policy in conf/policy.yaml',
    );
  });

  it('refuses a document that is not JSON (non-finite numbers, functions)', () => {
    const errors = validationErrors(() =>
      parsePolicy({
        version: 1,
        environments: {
          dev: {
            posture: 'dev',
            sideEffects: 'allow',
            actions: { deploy: { constraints: { maxRuntimeSec: Infinity } } },
          },
        },
      }),
    );
    assert.deepEqual(errors, [{ path: '(root)', message: 'must be a JSON document' }]);
  });

  it('refuses constraints that are not an object', () => {
    const errors = validationErrors(() =>
      parsePolicy({
        version: 1,
        environments: {
          dev: { posture: 'dev', sideEffects: 'allow', actions: { deploy: { constraints: [1] } } },
        },
      }),
    );
    assert.deepEqual(errors, [
      { path: 'environments.dev.actions.deploy.constraints', message: 'must be an object' },
    ]);
  });
});

describe('policySnapshot', () => {
  it('is sha256 of JCS of the document as written', () => {
    const policy = parsePolicy(MINIMAL);
    assert.equal(policySnapshot(policy), jcsHash(MINIMAL));
    assert.match(policySnapshot(policy), /^sha256:[0-9a-f]{64}$/);
  });

  it('does not change with key order, formatting or comments', () => {
    const a = parsePolicy(EXAMPLE_POLICY);
    const reordered = `
# the same policy, keys reordered and flow style changed
defaults: { maxRequestTtl: 720h, requestTtl: 24h }
routing:
  - approverGroup: Platform Security
    match: { targetContains: .github/workflows, ruleIdPrefix: filesystem.write }
rules:
  - { match: { targetGlob: "iam/**", kind: write_file }, id: filesystem.write.iam, severity: high,
      outcome: require_approval, riskTags: [write], capabilities: [iam.write], approvers: { groups: [IAM] } }
  - { id: mcp.tools, outcome: require_approval, match: { kind: mcp_tool_call }, approvers: { groups: [AI Governance] } }
  - { id: read.anything, match: { kind: read_file }, outcome: allow }
environments:
  locked: { sideEffects: deny, posture: prod }
  prod:
    actions:
      replay: { singleUse: true, approvers: { mode: each, min: 2, groups: [sre, security] }, capabilities: [replay.execute] }
      deploy: { credentialTtl: 1h, approvers: { min: 1, groups: [release-managers] }, capabilities: [deploy] }
    breakGlass: { requireExternalRef: true, maxDuration: 4h, groups: [incident-commanders] }
    dryRunReplayRequiresApproval: false
    crossEnvironmentReplay: false
    replay: allowed
    approvers: { min: 1, groups: [release-managers] }
    sideEffects: require_approval
    posture: prod
  staging: { replay: dry_run_only, sideEffects: require_approval, posture: staging }
  dev: { replay: allowed, sideEffects: allow, posture: dev }
version: 1
`;
    assert.equal(parsePolicy(reordered).snapshot, a.snapshot);
  });

  it('changes when a value changes', () => {
    const a = parsePolicy(EXAMPLE_POLICY);
    const b = parsePolicy(EXAMPLE_POLICY.replace('credentialTtl: 1h', 'credentialTtl: 2h'));
    assert.notEqual(a.snapshot, b.snapshot);
  });

  it('hashes the document as written, not the defaults-expanded form', () => {
    const bare = parsePolicy(MINIMAL);
    const explicit = parsePolicy({ ...MINIMAL, defaults: { requestTtl: '24h' } });
    assert.notEqual(bare.snapshot, explicit.snapshot);
    assert.equal(bare.defaults.requestTtlMs, explicit.defaults.requestTtlMs);
  });
});
