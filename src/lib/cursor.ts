/** Opaque pagination cursors: base64url JSON of the last row's sort key. */

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
