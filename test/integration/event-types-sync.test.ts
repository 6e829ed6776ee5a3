import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AUDIT_EVENT_TYPES } from '../../src/domain/audit-event.js';
import { repoPath } from '../helpers/paths.js';

// the console's type filter offers the server's own list (one source), and the docs document it
test('the console uses the closed set of audit event types and docs/audit-log.md documents each', () => {
  const web = readFileSync(repoPath('web', 'src', 'audit.ts'), 'utf8');
  assert.match(
    web,
    /import \{ AUDIT_EVENT_TYPES \} from '\.\.\/\.\.\/src\/domain\/audit-event\.js';/,
    'web/src/audit.ts takes the event types from src/domain/audit-event.ts',
  );
  assert.match(web, /AUDIT_EVENT_TYPES\.map\(/, 'the type filter lists every one of them');
  const doc = readFileSync(repoPath('docs', 'audit-log.md'), 'utf8');
  for (const type of AUDIT_EVENT_TYPES) {
    assert.ok(doc.includes(`| \`${type}\``), `docs/audit-log.md documents ${type}`);
  }
});
