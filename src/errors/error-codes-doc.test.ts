import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { repoPath } from '../../test/helpers/paths.js';
import { ERROR_CODES, statusForCode } from './index.js';

test('docs/error-codes.md lists every error code with its status', () => {
  const doc = readFileSync(repoPath('docs', 'error-codes.md'), 'utf8');
  for (const code of ERROR_CODES) {
    // table cells may be padded by the formatter
    const row = doc.split('\n').find((l) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(l));
    assert.ok(row, `docs/error-codes.md has a row for ${code}`);
    assert.ok(
      row.includes(`| ${statusForCode(code)}`),
      `${code} is documented as ${statusForCode(code)}`,
    );
  }
});
