/**
 * Numbered migrations. Each has SQLite and PostgreSQL text; they are kept as code (not .sql files)
 * so the compiled package carries them.
 */
import { migration001 } from './001-initial.js';
import { migration002 } from './002-outbox.js';
import { migration003 } from './003-notification-records.js';
import { migration004 } from './004-github-deployments.js';
import { migration005 } from './005-cosignatures.js';
import { migration007 } from './007-redact-delivery-callbacks.js';
import { migration006 } from './006-lookups.js';
import { migration010 } from './010-approval-scope.js';
import { migration011 } from './011-audit-sequence.js';

import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration010,
  migration011,
];
