/**
 * Numbered migrations. Each has SQLite and PostgreSQL text; they are kept as code (not .sql files)
 * so the compiled package carries them.
 */
import { migration001 } from './001-initial.js';
import { migration002 } from './002-outbox.js';
import { migration007 } from './007-redact-delivery-callbacks.js';

export interface Migration {
  id: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration007];
