/**
 * Finding and reading a CAVRA installation's files for `countersign import cavra`: its routing,
 * provider, OIDC and RBAC files, and its approval stores (JSON file, SQLite database). Reading
 * only: the SQLite database is opened read-only.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CavraFileError, isPlainObject } from '../import/cavra/notes.js';

export type ConfigKind = 'routing' | 'providers' | 'oidc' | 'rbac';

export interface CavraFiles {
  routing?: string;
  providers?: string;
  oidc?: string;
  rbac?: string;
  jsonStores: string[];
  sqliteStores: string[];
}

const NAMES: Record<ConfigKind, string> = {
  routing: 'approval-routing',
  providers: 'approval-providers',
  oidc: 'approval-oidc',
  rbac: 'approval-rbac',
};

/** The first existing file among `dir` and `dir/.cavra`, in CAVRA's default names. */
function find(dir: string, names: string[]): string | undefined {
  for (const base of [join(dir, '.cavra'), dir]) {
    for (const name of names) {
      const path = join(base, name);
      if (existsSync(path) && statSync(path).isFile()) return path;
    }
  }
  return undefined;
}

/**
 * CAVRA's files under `dir` (a project directory or its `.cavra/`), by CAVRA's default names:
 * `approval-routing.json`, `approval-providers.yaml`, `approval-oidc.json`,
 * `approval-rbac.yaml` (any of .json/.yaml/.yml), `approvals.json`, `api/approvals.json`
 * (the API's store) and `approvals.db`.
 */
export function discoverCavraFiles(dir: string): CavraFiles {
  const root = resolve(dir);
  const out: CavraFiles = { jsonStores: [], sqliteStores: [] };
  for (const kind of Object.keys(NAMES) as ConfigKind[]) {
    const file = find(
      root,
      ['json', 'yaml', 'yml'].map((ext) => `${NAMES[kind]}.${ext}`),
    );
    if (file) out[kind] = file;
  }
  for (const name of ['approvals.json', 'api/approvals.json']) {
    const file = find(root, [name]);
    if (file && !out.jsonStores.includes(file)) out.jsonStores.push(file);
  }
  const db = find(root, ['approvals.db']);
  if (db) out.sqliteStores.push(db);
  return out;
}

/** A CAVRA file's text, or CAVRA's own "not found" message. */
export function readCavraText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CavraFileError(file, `${what} not found: ${file}`);
  }
}

export interface StoreRecord {
  at: string;
  raw: unknown;
  /** Set when the row itself is unreadable: the import rejects it with this message. */
  problem?: string;
}

/** The records of a CAVRA JSON store: `{"items": [ … ]}`. */
export function readJsonStore(file: string): StoreRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readCavraText(file, 'approval store'));
  } catch (err) {
    if (err instanceof CavraFileError) throw err;
    throw new CavraFileError(file, `${file} is not valid JSON`);
  }
  if (!isPlainObject(doc) || !Array.isArray(doc.items)) {
    throw new CavraFileError(file, `${file} is not a CAVRA approval store ({"items": [...]})`);
  }
  return doc.items.map((raw, i) => ({ at: `items[${i}]`, raw }));
}

/**
 * The records of a CAVRA SQLite store: the `payload` column (the full record) of `approvals`,
 * oldest first. A payload that is not JSON, or whose id differs from its row's, comes back with
 * a `problem` the import reports.
 */
export function readSqliteStore(file: string): StoreRecord[] {
  if (!existsSync(file)) throw new CavraFileError(file, `approval store not found: ${file}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db
      .prepare(
        'SELECT approval_id, payload FROM approvals ORDER BY requested_at ASC, approval_id ASC',
      )
      .all() as { approval_id: string; payload: string }[];
    return rows.map((row) => {
      const at = `row ${row.approval_id}`;
      try {
        const raw = JSON.parse(row.payload) as unknown;
        if (isPlainObject(raw) && raw.approval_id !== row.approval_id) {
          return { at, raw, problem: 'the payload names another approval_id than its row' };
        }
        return { at, raw };
      } catch {
        return { at, raw: null, problem: 'payload is not JSON' };
      }
    });
  } catch (err) {
    if (err instanceof CavraFileError) throw err;
    throw new CavraFileError(
      file,
      `${file} is not a CAVRA SQLite approval store (table approvals)`,
    );
  } finally {
    db?.close();
  }
}
