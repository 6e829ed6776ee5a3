/**
 * What a CAVRA conversion reports besides its result: settings it could not carry over (and
 * why), and settings it carried over with a changed meaning. Pure: no I/O.
 */
import { parseYamlText } from '../../lib/yaml-document.js';
import { isPlainObject } from '../../lib/fields.js';

export type NoteKind = 'unmapped' | 'changed';

export interface ImportNote {
  /** The CAVRA file (or store) the setting came from. */
  file: string;
  /** Where in it: `approval_providers.jira.headers`, `items[3]`. */
  path: string;
  kind: NoteKind;
  message: string;
}

/** A CAVRA file that could not be converted at all (CAVRA itself would refuse it). */
export class CavraFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'CavraFileError';
  }
}

/** Collects notes for one file. */
export class Notes {
  readonly list: ImportNote[] = [];
  constructor(readonly file: string) {}
  unmapped(path: string, message: string): void {
    this.list.push({ file: this.file, path, kind: 'unmapped', message });
  }
  changed(path: string, message: string): void {
    this.list.push({ file: this.file, path, kind: 'changed', message });
  }
}

/**
 * CAVRA reads `.yaml`/`.yml` files as YAML and everything else as JSON; both parse as YAML 1.2
 * here (JSON is a subset), with duplicate keys refused.
 */
export function parseCavraText(text: string, file: string): unknown {
  try {
    return parseYamlText(text, file, 'CAVRA file');
  } catch {
    throw new CavraFileError(file, `${file} is not valid JSON or YAML`);
  }
}

/** CAVRA ignores a key that is absent or falsy (`""`, `null`, `false`, `0`). */
export function truthy(obj: Record<string, unknown>, key: string): unknown {
  const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
  return value ? value : undefined;
}

/** A non-empty string value, or undefined. */
export function text(obj: Record<string, unknown>, key: string): string | undefined {
  const value = truthy(obj, key);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export { isPlainObject };
