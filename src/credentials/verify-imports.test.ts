import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoPath } from '../../test/helpers/paths.js';

// The architecture rule (architecture.test.ts): countersign/verify runs with only the token, the action and a JWKS.
const ALLOWED = /^(jose|canonicalize|node:crypto|\.\/[a-z-]+\.js|\.\.\/\.\.\/domain\/[a-z-]+\.js)$/;
// the TypeScript sources, whether this test runs from src/ or from dist/
const dir = repoPath('src', 'credentials', 'verify');

describe('countersign/verify dependencies', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

  it('has source files to check', () => {
    assert.ok(files.includes('index.ts') && files.includes('verifier.ts'));
  });

  for (const file of files) {
    it(`${file} imports only jose, canonicalize, node:crypto, domain and its siblings`, () => {
      // TSDoc @example blocks import 'countersign/verify'; only code counts.
      const text = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
      for (const specifier of specifiers) {
        assert.match(specifier, ALLOWED, `${file} imports ${specifier}`);
      }
      assert.ok(!/\bimport\(/.test(text), `${file} has no dynamic import`);
    });
  }
});
