import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeChange,
  diffSpecs,
  flattenSpec,
  specTree,
  specTreeLines,
  summarizeChanges,
} from './spec-diff.js';

describe('spec-diff: what a spec says and what changed', () => {
  test('the change a reviewer reads: "replicas 3 → 5, image 1.4.2 → 1.4.3"', () => {
    const before = { image: '1.4.2', replicas: 3, migrate: false };
    const after = { image: '1.4.3', replicas: 5, migrate: false };
    assert.equal(summarizeChanges(diffSpecs(before, after)), 'image 1.4.2 → 1.4.3, replicas 3 → 5');
  });

  test('nested paths, array items, added and removed leaves, keys that need quoting', () => {
    const before = {
      containers: [{ name: 'web', image: 'a:1' }],
      env: { DEBUG: true, 'x.y': 1 },
    };
    const after = {
      containers: [
        { name: 'web', image: 'a:2' },
        { name: 'sidecar', image: 'b:1' },
      ],
      env: { 'x.y': 2 },
    };
    const changes = diffSpecs(before, after);
    assert.deepEqual(changes.map(describeChange), [
      'containers[0].image a:1 → a:2',
      'containers[1].name added: sidecar',
      'containers[1].image added: b:1',
      'env["x.y"] 1 → 2',
      'env.DEBUG removed (was true)',
    ]);
    assert.equal(summarizeChanges(changes, 2).endsWith('and 3 more'), true);
    assert.equal(summarizeChanges([]), 'no changes');
  });

  test('types count: "5" is not 5, null is a value, empty objects are leaves', () => {
    assert.deepEqual(
      diffSpecs({ a: 5, b: null, c: {} }, { a: '5', b: null, c: {} }).map(describeChange),
      ['a 5 → "5"'],
    );
    assert.deepEqual(flattenSpec({ c: {}, d: [] }), [
      { path: 'c', value: '{}' },
      { path: 'd', value: '[]' },
    ]);
    assert.deepEqual(flattenSpec('plain'), [{ path: '(spec)', value: 'plain' }]);
  });

  test('multi-line values are shown on one line with a count', () => {
    const [c] = diffSpecs({ diff: 'a\nb' }, { diff: 'a\nb\nc' });
    assert.equal(describeChange(c as never), 'diff a (+1 lines) → a (+2 lines)');
  });

  test('tree and text lines for people; huge specs are cut short, deep ones bounded', () => {
    const spec = { image: 'x:1', containers: [{ name: 'web' }] };
    assert.deepEqual(specTree(spec), [
      { key: 'image', value: 'x:1' },
      { key: 'containers', children: [{ key: '[0]', children: [{ key: 'name', value: 'web' }] }] },
    ]);
    assert.deepEqual(specTreeLines(spec), ['image: x:1', 'containers:', '  [0]:', '    name: web']);
    const wide = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`k${i}`, i]));
    const nodes = specTree(wide);
    assert.equal(nodes.length, 201);
    assert.deepEqual(nodes.at(-1), { key: '…', value: '50 more', omitted: 50 });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    assert.ok(flattenSpec(deep).length === 1);
    assert.ok(specTreeLines(deep, 500).length <= 14);
  });
});
