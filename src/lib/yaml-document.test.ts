import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { MAX_DOCUMENT_BYTES, parseYamlText } from './yaml-document.js';

function errorsOf(text: string): { path: string; message: string }[] {
  try {
    parseYamlText(text, 'f.yaml', 'policy');
  } catch (err) {
    assert.ok(err instanceof InputError);
    assert.equal(err.message, 'invalid policy in f.yaml');
    return err.errors;
  }
  assert.fail('expected an error');
}

describe('parseYamlText', () => {
  it('parses YAML and JSON to plain data', () => {
    assert.deepEqual(parseYamlText('a: [1, two]\n', 'f', 'policy'), { a: [1, 'two'] });
    assert.deepEqual(parseYamlText('{"a": {"b": null}}', 'f', 'policy'), { a: { b: null } });
  });

  it('reports errors by position without echoing the source text', () => {
    const errors = errorsOf('store:\n  url: "postgres://u:secret@h/db\n');
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.path ?? '', /^line \d+, column \d+$/);
    assert.ok(!JSON.stringify(errors).includes('secret'));
  });

  it('refuses duplicate keys', () => {
    assert.deepEqual(errorsOf('a: 1\na: 2\n'), [
      { path: 'line 2, column 1', message: 'Map keys must be unique' },
    ]);
  });

  it('refuses unknown tags instead of guessing', () => {
    assert.deepEqual(errorsOf('x: !!js/function "f"\n'), [
      { path: 'line 1, column 4', message: 'Unresolved tag: tag:yaml.org,2002:js/function' },
    ]);
  });

  it('bounds alias expansion (billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    assert.deepEqual(errorsOf(lines.join('\n')), [
      { path: '(root)', message: 'too many alias expansions' },
    ]);
  });

  it('refuses an alias to an undefined anchor', () => {
    assert.deepEqual(errorsOf('a: *nowhere\n'), [
      { path: '(root)', message: 'an alias refers to an anchor that is not defined before it' },
    ]);
  });

  it('refuses documents over the size limit before parsing', () => {
    assert.deepEqual(errorsOf(`a: "${'x'.repeat(MAX_DOCUMENT_BYTES)}"`), [
      { path: '(root)', message: `must be at most ${MAX_DOCUMENT_BYTES} bytes` },
    ]);
  });
});
