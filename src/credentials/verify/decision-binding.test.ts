import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimsFor } from '../testing.js';
import { decisionDifferences, type DecisionParts } from './decision-binding.js';

const HASH = `sha256:${'ab'.repeat(32)}`;

describe('decisionDifferences: the gate re-decides every time', () => {
  const claims = claimsFor(HASH, {
    risk_tags: ['prod', 'write'],
    constraints: { max_lines_changed: 500, max_runtime_sec: 900 },
    rule: 'rules.agent-writes',
    quorum: { min: 1, mode: 'any', groups: ['sre'] },
  });
  const same: DecisionParts = {
    matchedRule: 'rules.agent-writes',
    quorum: { min: 1, mode: 'any', groups: ['sre'] },
    riskTags: ['write', 'prod'],
    constraints: { max_runtime_sec: 900, max_lines_changed: 500 },
  };

  it('finds nothing when the decision is the approved one (order never matters)', () => {
    assert.deepEqual(decisionDifferences(claims, same), []);
  });

  it('names each part that differs', () => {
    const cases: [Partial<DecisionParts>, string[]][] = [
      [{ matchedRule: 'rules.agent-other' }, ['rule']],
      [{ matchedRule: null }, ['rule']],
      [{ quorum: { min: 2, mode: 'any', groups: ['sre'] } }, ['quorum']],
      [{ quorum: { min: 1, mode: 'each', groups: ['sre'] } }, ['quorum']],
      [{ quorum: { min: 1, mode: 'any', groups: ['release-managers'] } }, ['quorum']],
      [{ quorum: null }, ['quorum']],
      [{ riskTags: ['prod'] }, ['riskTags']],
      [{ riskTags: ['prod', 'write', 'network'] }, ['riskTags']],
      [{ constraints: { max_lines_changed: 500 } }, ['constraints']],
      [{ constraints: { max_lines_changed: 500, max_runtime_sec: 3600 } }, ['constraints']],
      [
        {
          matchedRule: 'rules.agent-other',
          quorum: { min: 1, mode: 'any', groups: ['release-managers'] },
          riskTags: ['prod'],
          constraints: { max_runtime_sec: 3600 },
        },
        ['rule', 'quorum', 'riskTags', 'constraints'],
      ],
    ];
    for (const [change, expected] of cases) {
      assert.deepEqual(
        decisionDifferences(claims, { ...same, ...change }),
        expected,
        JSON.stringify(change),
      );
    }
  });

  it('compares nested constraint values, not only their names', () => {
    const nested = claimsFor(HASH, { constraints: { paths: { allow: ['src/**'] } } });
    const now = { ...same, riskTags: nested.risk_tags, matchedRule: nested.rule };
    assert.deepEqual(
      decisionDifferences(nested, {
        ...now,
        quorum: nested.quorum,
        constraints: { paths: { allow: ['**'] } },
      }),
      ['constraints'],
    );
    assert.deepEqual(
      decisionDifferences(nested, {
        ...now,
        quorum: nested.quorum,
        constraints: { paths: { allow: ['src/**'] } },
      }),
      [],
    );
  });
});
