/**
 * Small readers for validating parsed documents (policy, routing, configuration). Every reader
 * records a problem with its path and keeps going, so one load reports every error at once.
 * Input here is attacker- or operator-controlled: nothing is trusted, nothing is echoed back
 * except the offending path.
 */
import type { FieldError } from '../errors/index.js';
import { parseDuration } from './duration.js';

export type Obj = Record<string, unknown>;

/** Collected field problems. */
export class Issues {
  readonly list: FieldError[] = [];
  add(path: string, message: string): void {
    this.list.push({ path: path === '' ? '(root)' : path, message });
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `a.b`, `a[0]`, `a["odd key"]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENT_RE.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The own value of `key`, never an inherited one (`toString`, `__proto__`). */
export function own(obj: Obj, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Reads an object with a closed set of keys. Missing → undefined (an error when required);
 * not an object → error; each unknown key → `path.key: unknown field`.
 */
export function readObject(
  value: unknown,
  path: string,
  issues: Issues,
  keys: readonly string[] | null,
  required = false,
): Obj | undefined {
  if (value === undefined || value === null) {
    if (required) issues.add(path, 'is required');
    return undefined;
  }
  if (!isPlainObject(value)) {
    issues.add(path, 'must be an object');
    return undefined;
  }
  if (keys !== null) {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) issues.add(joinPath(path, key), 'unknown field');
    }
  }
  return value;
}

export interface StringRules {
  required?: boolean;
  max?: number;
  pattern?: RegExp;
  patternMessage?: string;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function checkString(
  value: unknown,
  path: string,
  issues: Issues,
  rules: StringRules = {},
): string | undefined {
  if (typeof value !== 'string') {
    issues.add(path, 'must be a string');
    return undefined;
  }
  const max = rules.max ?? 1024;
  if (value.length === 0) {
    issues.add(path, 'must not be empty');
    return undefined;
  }
  if (value.length > max) {
    issues.add(path, `must be at most ${max} characters`);
    return undefined;
  }
  if (hasControlCharacter(value)) {
    issues.add(path, 'must not contain control characters');
    return undefined;
  }
  if (rules.pattern && !rules.pattern.test(value)) {
    issues.add(path, rules.patternMessage ?? `must match ${String(rules.pattern)}`);
    return undefined;
  }
  return value;
}

export function readString(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  rules: StringRules = {},
): string | undefined {
  const value = own(obj, key);
  const p = joinPath(path, key);
  if (value === undefined || value === null) {
    if (rules.required) issues.add(p, 'is required');
    return undefined;
  }
  return checkString(value, p, issues, rules);
}

export function readBoolean(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
): boolean | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    issues.add(joinPath(path, key), 'must be true or false');
    return undefined;
  }
  return value;
}

export function readEnum<T extends string>(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  values: readonly T[],
  required = false,
): T | undefined {
  const value = own(obj, key);
  const p = joinPath(path, key);
  if (value === undefined || value === null) {
    if (required) issues.add(p, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    issues.add(p, `must be one of ${values.join(', ')}`);
    return undefined;
  }
  return value as T;
}

export function readInt(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  bounds: { min: number; max: number },
): number | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    issues.add(joinPath(path, key), `must be an integer from ${bounds.min} to ${bounds.max}`);
    return undefined;
  }
  return value;
}

/** A duration (`30s`, `1h`, integer seconds) in milliseconds; zero is refused unless allowed. */
export function readDuration(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  opts: { allowZero?: boolean } = {},
): number | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  const ms = parseDuration(value);
  const p = joinPath(path, key);
  if (ms === undefined) {
    issues.add(p, 'must be a duration like 30s');
    return undefined;
  }
  if (ms === 0 && !opts.allowZero) {
    issues.add(p, 'must be longer than 0s');
    return undefined;
  }
  return ms;
}

/**
 * A list of non-empty strings, de-duplicated in written order. A single string is accepted
 * for `single` lists (e.g. `kind: deploy`).
 */
export function readStringList(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  rules: StringRules & { nonEmpty?: boolean; single?: boolean; maxItems?: number } = {},
): string[] | undefined {
  const raw = own(obj, key);
  const p = joinPath(path, key);
  if (raw === undefined || raw === null) {
    if (rules.required) issues.add(p, 'is required');
    return undefined;
  }
  const value = rules.single && typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(value)) {
    issues.add(p, 'must be a list of strings');
    return undefined;
  }
  const maxItems = rules.maxItems ?? 256;
  if (value.length > maxItems) {
    issues.add(p, `must have at most ${maxItems} entries`);
    return undefined;
  }
  if (rules.nonEmpty && value.length === 0) {
    issues.add(p, 'must list at least one entry');
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  value.forEach((item, i) => {
    const s = checkString(item, joinPath(p, i), issues, rules);
    if (s === undefined) ok = false;
    else if (!out.includes(s)) out.push(s);
  });
  return ok ? out : undefined;
}

/** Whether a value is plain JSON (finite numbers, no functions, no cycles, bounded depth). */
export function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  return false;
}

/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<string | symbol, unknown>)[key]);
    }
  }
  return value;
}
