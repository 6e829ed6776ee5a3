/** `audit.witnesses` and `audit.minCosignatures`: who cosigns checkpoints, and how many must. */
import { parseCosignerKey } from '../audit/cosignature.js';
import { readUrl } from './config-fields.js';
import type { WitnessConfig } from './config-types.js';
import { joinPath, readInt, readObject, readString, type Issues, type Obj } from '../lib/fields.js';

const MAX_WITNESSES = 32;

/** Reads the witness list; each verifier key must be a cosignature/v1 key named `name`. */
export function readWitnesses(obj: Obj, issues: Issues): WitnessConfig[] {
  const value = obj.witnesses;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_WITNESSES) {
    issues.add('audit.witnesses', `must be a list of at most ${MAX_WITNESSES} witnesses`);
    return [];
  }
  const out: WitnessConfig[] = [];
  value.forEach((item: unknown, i) => {
    const path = joinPath('audit.witnesses', i);
    const w = readObject(item, path, issues, ['name', 'url', 'verifierKey'], true);
    if (!w) return;
    const name = readString(w, 'name', path, issues, { required: true, max: 256 });
    // plain http only to loopback: a witness's answers are verified, but its URL is config
    const url = readUrl(w, 'url', path, issues, { required: true });
    const vkey = readString(w, 'verifierKey', path, issues, { required: true, max: 512 });
    if (name === undefined || url === undefined || vkey === undefined) return;
    let key;
    try {
      key = parseCosignerKey(vkey);
    } catch (err) {
      issues.add(joinPath(path, 'verifierKey'), (err as Error).message);
      return;
    }
    if (key.name !== name) {
      issues.add(joinPath(path, 'verifierKey'), 'must be a key named like the witness');
      return;
    }
    if (out.some((o) => o.name === name)) {
      issues.add(joinPath(path, 'name'), 'is listed twice');
      return;
    }
    out.push({ name, url: url.replace(/\/+$/, ''), verifierKey: vkey, publicKey: key.publicKey });
  });
  return out;
}

/** Cosignatures a checkpoint needs before evidence bundles use it (0 = none; at most the list). */
export function readMinCosignatures(obj: Obj, issues: Issues, witnesses: number): number {
  const n = readInt(obj, 'minCosignatures', 'audit', issues, { min: 0, max: MAX_WITNESSES });
  if (n !== undefined && n > witnesses) {
    issues.add('audit.minCosignatures', 'must not exceed the number of audit.witnesses');
    return 0;
  }
  return n ?? 0;
}
