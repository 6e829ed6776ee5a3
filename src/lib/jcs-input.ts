/**
 * The input domain of canonical JSON (RFC 8785, JCS): hashes and signatures are computed over the
 * canonical form of what a client sent, so a body must mean exactly one thing. Two things in
 * JSON text do not survive parsing unchanged, and are found here before `JSON.parse` hides them:
 * - a member name repeated in one object (JSON.parse keeps the last; other parsers the first);
 * - a number whose value is an integer beyond ±(2^53 − 1), or out of range: it is rounded to a
 *   nearby double, so the hash would cover a different number than the client wrote (I-JSON,
 *   RFC 7493 §2.2).
 * One linear pass, no recursion (nesting depth is bounded only by the body limit). Malformed text
 * is left to the JSON parser: the scan stops and reports what it found so far.
 */
import type { FieldError } from '../errors/index.js';

interface Frame {
  /** Member names seen so far; null for an array. */
  keys: Set<string> | null;
  /** The member being read (objects) … */
  name: string;
  /** … or the element's index (arrays). */
  index: number;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
/** One JSON Pointer reference token (RFC 6901 §3): `~` and `/` escaped. */
export const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

export const DUPLICATE_NAME_MESSAGE =
  'duplicate member name: an object with a repeated name has no single canonical form (RFC 8785)';
export const UNSAFE_NUMBER_MESSAGE =
  'number cannot be represented exactly: integers must stay within ±(2^53 − 1) (RFC 8785, I-JSON); send larger values as strings';

/** Problems that make `text` ambiguous under canonical JSON, at most `limit`; [] when none. */
export function jcsInputProblems(text: string, limit = 10): FieldError[] {
  const out: FieldError[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  /** The JSON Pointer of the value being read: built only for a problem, most bodies have none. */
  const path = () => {
    let at = '';
    for (const f of stack) at += `/${f.keys ? pointerToken(f.name) : String(f.index)}`;
    return at;
  };

  const skip = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  /** Reads a string at `i` (an opening quote); its value, or null when malformed. */
  const readString = (): string | null => {
    const start = i++;
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c === 0x22) break;
      else i++;
    }
    if (i >= n) return null;
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return null;
    }
  };
  /** Reads `"name":` of an object member into `frame`; records a repeat; false when malformed. */
  const readMember = (frame: Frame): boolean => {
    skip();
    if (text.charCodeAt(i) !== 0x22) return false;
    const name = readString();
    if (name === null) return false;
    skip();
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    frame.name = name;
    if (frame.keys?.has(name)) out.push({ path: path(), message: DUPLICATE_NAME_MESSAGE });
    frame.keys?.add(name);
    return true;
  };

  for (;;) {
    // a value starts at i, at `path`
    skip();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      i++;
      const frame: Frame = { keys: c === 0x7b ? new Set() : null, name: '', index: 0 };
      stack.push(frame);
      skip();
      if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
      } else if (frame.keys) {
        if (!readMember(frame)) return out;
        continue;
      } else {
        continue;
      }
    } else if (c === 0x22) {
      if (readString() === null) return out;
    } else if (isNumberChar(c)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      if (!JSON_NUMBER.test(token)) return out;
      const value = Number(token);
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
        out.push({ path: path() || '/', message: UNSAFE_NUMBER_MESSAGE });
      }
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else return out;
    if (out.length >= limit) return out;

    // after a value: the next member or element, or the end of containers
    for (;;) {
      const top = stack.at(-1);
      if (!top) return out;
      skip();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (top.keys) {
          if (!readMember(top)) return out;
        } else {
          top.index++;
        }
        break;
      }
      if (d !== (top.keys ? 0x7d : 0x5d)) return out;
      i++;
      stack.pop();
    }
  }
}
