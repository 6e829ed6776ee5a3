/**
 * What a spec says and what changed since an earlier one, for people: a spec flattened to
 * `path = value` leaves, a readable tree, and the leaf-by-leaf changes between two specs
 * ("replicas 3 → 5, image shop:1.4.2 → shop:1.4.3"). Pure and dependency-free: the CLI and the
 * web console compile this same file, so both say exactly the same thing.
 */

/** One leaf of a spec: its path (`containers[0].image`) and its value as text. */
export interface SpecLeaf {
  path: string;
  value: string;
}

/** A readable tree of a spec: objects and arrays have children, everything else a value. */
export interface SpecNode {
  key: string;
  /** Scalar values as text; absent for objects and arrays. */
  value?: string;
  children?: SpecNode[];
  /** How many entries were left out at this level (large specs are cut short). */
  omitted?: number;
}

export type SpecChangeKind = 'changed' | 'added' | 'removed';

export interface SpecChange {
  path: string;
  kind: SpecChangeKind;
  before?: string;
  after?: string;
}

/** Limits that keep a hostile or huge spec from producing an unbounded page. */
const MAX_DEPTH = 12;
const MAX_LEAVES = 2000;
const MAX_CHILDREN = 200;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
  return parent === '' ? part : PLAIN_KEY.test(key) ? `${parent}.${part}` : `${parent}[${part}]`;
}

/** A scalar as people read it: strings bare, everything else as JSON. */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.length} items]`;
  if (isRecord(v)) return Object.keys(v).length === 0 ? '{}' : '{…}';
  return JSON.stringify(v);
}

/** Every leaf of `spec` in document order (empty objects and arrays are leaves too). */
export function flattenSpec(spec: unknown): SpecLeaf[] {
  return leaves(spec).map(({ path, value }) => ({ path, value }));
}

/** Leaves with their exact JSON too, so `5` and `"5"` differ even though both read "5". */
function leaves(spec: unknown): (SpecLeaf & { json: string })[] {
  const out: (SpecLeaf & { json: string })[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (out.length >= MAX_LEAVES) return;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : isRecord(v)
        ? Object.entries(v)
        : [];
    if (entries.length === 0 || depth >= MAX_DEPTH) {
      out.push({
        path: path === '' ? '(spec)' : path,
        value: scalarText(v),
        json: JSON.stringify(v) ?? 'undefined',
      });
      return;
    }
    for (const [k, x] of entries) walk(x, childPath(path, k), depth + 1);
  };
  walk(spec, '', 0);
  return out;
}

/** The spec as a tree of named nodes, cut short past {@link MAX_CHILDREN} entries a level. */
export function specTree(spec: unknown, depth = 0): SpecNode[] {
  const entries: [string, unknown][] = Array.isArray(spec)
    ? spec.map((x, i) => [`[${i}]`, x])
    : isRecord(spec)
      ? Object.entries(spec)
      : [];
  if (entries.length === 0) return [{ key: '(spec)', value: scalarText(spec) }];
  const shown = entries.slice(0, MAX_CHILDREN).map(([key, v]): SpecNode => {
    const nested = (Array.isArray(v) && v.length > 0) || (isRecord(v) && Object.keys(v).length);
    return nested && depth < MAX_DEPTH
      ? { key, children: specTree(v, depth + 1) }
      : { key, value: scalarText(v) };
  });
  const omitted = entries.length - shown.length;
  if (omitted > 0) shown.push({ key: '…', value: `${omitted} more`, omitted });
  return shown;
}

/** The spec tree as indented text lines (`replicas: 5`, `containers:`, `  [0]:` …). */
export function specTreeLines(spec: unknown, maxLines = 200): string[] {
  const lines: string[] = [];
  const walk = (nodes: SpecNode[], indent: string): void => {
    for (const n of nodes) {
      if (lines.length >= maxLines) return;
      if (n.children) {
        lines.push(`${indent}${n.key}:`);
        walk(n.children, `${indent}  `);
      } else lines.push(`${indent}${n.key}: ${oneLine(n.value ?? '')}`);
    }
  };
  walk(specTree(spec), '');
  return lines;
}

/** Leaf-by-leaf changes from `before` to `after`, in the order of `after` then removals. */
export function diffSpecs(before: unknown, after: unknown): SpecChange[] {
  const old = new Map(leaves(before).map((l) => [l.path, l]));
  const seen = new Set<string>();
  const changes: SpecChange[] = [];
  for (const leaf of leaves(after)) {
    seen.add(leaf.path);
    const was = old.get(leaf.path);
    if (was === undefined) changes.push({ path: leaf.path, kind: 'added', after: leaf.value });
    else if (was.json !== leaf.json) {
      // the same text with another type (5 and "5") is shown as JSON, so the change is visible
      const same = was.value === leaf.value;
      changes.push({
        path: leaf.path,
        kind: 'changed',
        before: same ? was.json : was.value,
        after: same ? leaf.json : leaf.value,
      });
    }
  }
  for (const [path, l] of old) {
    if (!seen.has(path)) changes.push({ path, kind: 'removed', before: l.value });
  }
  return changes;
}

/** A long or multi-line value shortened for one line of text. */
export function oneLine(text: string, max = 80): string {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const lines = text.split(/\r?\n/).length;
  const cut = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  return lines > 1 ? `${cut} (+${lines - 1} lines)` : cut;
}

/** One change as people say it: `replicas 3 → 5`, `+ migrate true`, `− debug true`. */
export function describeChange(c: SpecChange): string {
  switch (c.kind) {
    case 'changed':
      return `${c.path} ${oneLine(c.before ?? '')} → ${oneLine(c.after ?? '')}`;
    case 'added':
      return `${c.path} added: ${oneLine(c.after ?? '')}`;
    case 'removed':
      return `${c.path} removed (was ${oneLine(c.before ?? '')})`;
  }
}

/** The changes in one line: the first `max` described, then "and N more". */
export function summarizeChanges(changes: readonly SpecChange[], max = 6): string {
  if (changes.length === 0) return 'no changes';
  const shown = changes.slice(0, max).map(describeChange).join(', ');
  return changes.length > max ? `${shown}, and ${changes.length - max} more` : shown;
}
