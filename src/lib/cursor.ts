/**
 * Opaque pagination cursors: base64url JSON of the last row's sort key. A cursor that is not one
 * we issued (undecodable, or a key of the wrong shape) is a 400 `validation_failed` at
 * `querystring:/cursor`, never silently the first page.
 */
import { InputError } from '../errors/index.js';

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Returns the decoded key, or undefined for anything that is not a cursor we issued. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] | undefined {
  // attacker-controlled: parse defensively
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]*$/.test(cursor)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== arity) return undefined;
    if (!parsed.every((v) => typeof v === 'string' || typeof v === 'number')) return undefined;
    return parsed as (string | number)[];
  } catch {
    return undefined;
  }
}

function invalidCursor(message: string): InputError {
  return new InputError('validation_failed', 'invalid cursor', [
    { path: 'querystring:/cursor', message },
  ]);
}

/** The key of an approvals cursor: `[createdAt, id]`, both strings; else 400. */
export function decodeApprovalCursor(cursor: string): [string, string] {
  const key = decodeCursor(cursor, 2);
  if (!key) throw invalidCursor('not a cursor this server issued');
  const [createdAt, id] = key;
  if (typeof createdAt !== 'string' || typeof id !== 'string') {
    throw invalidCursor('an approvals cursor holds two strings');
  }
  return [createdAt, id];
}

/** The key of an audit cursor: the last index, a safe non-negative integer; else 400. */
export function decodeAuditCursor(cursor: string): number {
  const key = decodeCursor(cursor, 1);
  if (!key) throw invalidCursor('not a cursor this server issued');
  const [index] = key;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw invalidCursor('an audit cursor holds a non-negative integer');
  }
  return index;
}
