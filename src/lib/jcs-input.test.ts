import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DUPLICATE_NAME_MESSAGE, jcsInputProblems, UNSAFE_NUMBER_MESSAGE } from './jcs-input.js';

test('repeated member names are found at their JSON pointer, at any depth, escapes decoded', () => {
  assert.deepEqual(jcsInputProblems('{"a":1,"a":2}'), [
    { path: '/a', message: DUPLICATE_NAME_MESSAGE },
  ]);
  assert.deepEqual(jcsInputProblems('{"x":[{"k":1},{"k":1,"b/c":0,"b\\/c":1}]}'), [
    { path: '/x/1/b~1c', message: DUPLICATE_NAME_MESSAGE },
  ]);
  assert.deepEqual(jcsInputProblems('{"\\u0061":1,"a":2}'), [
    { path: '/a', message: DUPLICATE_NAME_MESSAGE },
  ]);
  // the same name in sibling objects is fine
  assert.deepEqual(jcsInputProblems('[{"a":1},{"a":1}]'), []);
});

test('integers beyond ±(2^53 − 1) and out-of-range numbers are found; safe numbers are not', () => {
  assert.deepEqual(jcsInputProblems('{"n":9007199254740993}'), [
    { path: '/n', message: UNSAFE_NUMBER_MESSAGE },
  ]);
  assert.deepEqual(
    jcsInputProblems('[-9007199254740992, 1e400, 2e16]').map((p) => p.path),
    ['/0', '/1', '/2'],
  );
  assert.deepEqual(
    jcsInputProblems('{"ok":[9007199254740991,-9007199254740991,0.1,1.5e-300,-0,3]}'),
    [],
  );
  assert.deepEqual(jcsInputProblems('12345678901234567890'), [
    { path: '/', message: UNSAFE_NUMBER_MESSAGE },
  ]);
});

test('malformed text is left to the JSON parser (no false report), deep nesting needs no recursion', () => {
  for (const bad of ['{"a":', '{"a" 1}', '[1,,2]', '{"a":-}', '"open', '{"a":1 "a":2}']) {
    assert.deepEqual(jcsInputProblems(bad), [], bad);
  }
  const deep = `${'['.repeat(100_000)}{"a":1,"a":1}${']'.repeat(100_000)}`;
  assert.equal(jcsInputProblems(deep).length, 1);
});

test('property: JSON.stringify of any value with safe numbers has no problem', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      const safe = !/\d{16,}|e\+?\d{2,}/i.test(text);
      if (safe) assert.deepEqual(jcsInputProblems(text), []);
    }),
    { numRuns: 300 },
  );
});
