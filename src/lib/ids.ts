import { randomBytes } from 'node:crypto';

/** Random identifiers with a readable prefix; injected so tests can make them predictable. */
export interface IdGenerator {
  next(prefix: string): string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function randomSuffix(bytes: number): string {
  const buf = randomBytes(bytes);
  let out = '';
  for (const b of buf) out += ALPHABET[b & 31];
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
