import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './hash.js';

/** Constant-time string comparison (hashes first so lengths leak nothing). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
