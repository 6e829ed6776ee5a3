/** Target matching for rules and routing: picomatch globs, compiled once per pattern. */
import { posix } from 'node:path';
import picomatch from 'picomatch';

const cache = new Map<string, (input: string) => boolean>();
const MAX_CACHED = 4096;

/**
 * The form of a target that rules match against. Path-like targets are normalised
 * (`./a//b/../c` → `a/c`) so that `..` segments cannot step around a glob such as `iam/**`;
 * URLs (anything with `://`) are matched as written.
 */
export function matchableTarget(target: string): string {
  return target.includes('://') ? target : posix.normalize(target);
}

/**
 * Whether `target` matches `glob`. `dot: true` so that `**` also covers dot-directories such as
 * `.github/`: a policy that guards `infra/**` must not be bypassed by `infra/.hidden/x`.
 */
export function globMatches(glob: string, target: string): boolean {
  let matcher = cache.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { dot: true });
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(glob, matcher);
  }
  return matcher(matchableTarget(target));
}
