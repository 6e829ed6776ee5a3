import { randomFillSync } from 'node:crypto';

/** Random identifiers with a readable prefix; injected so tests can make them predictable. */
export interface IdGenerator {
  next(prefix: string): string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Random bytes drawn from the CSPRNG a page at a time (as node:crypto's randomUUID does), each
 * byte used once: one system call per ~200 ids instead of one per id.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomSuffix(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = '';
  for (let i = used; i < used + bytes; i++) out += ALPHABET[(pool[i] as number) & 31];
  used += bytes;
  return out;
}

export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${randomSuffix(20)}`,
};

/** Deterministic ids for tests: `apr_0001`, `apr_0002`, … */
export function sequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return {
    next(prefix) {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}_${String(n).padStart(4, '0')}`;
    },
  };
}
