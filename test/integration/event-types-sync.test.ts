import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AUDIT_EVENT_TYPES } from '../../src/domain/audit-event.js';
import { repoPath } from '../helpers/paths.js';

// the console (which talks only to the public API) and the docs list the closed set of event types
test('the console and docs/audit-log.md know every audit event type', () => {
  const web = readFileSync(repoPath('web', 'src', 'audit.ts'), 'utf8');
  const doc = readFileSync(repoPath('docs', 'audit-log.md'), 'utf8');
  for (const type of AUDIT_EVENT_TYPES) {
    assert.ok(web.includes(`'${type}'`), `web/src/audit.ts lists ${type}`);
    assert.ok(doc.includes(`| \`${type}\``), `docs/audit-log.md documents ${type}`);
  }
});
