/**
 * CAVRA's approval OIDC config (`issuer`, `audience`, `jwks` or `jwks_path`, `leeway_seconds`)
 * → one `identity.oidc` issuer. Pure: the caller reads the JWKS file and writes new files.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { CavraFileError, Notes, isPlainObject, text, truthy } from './notes.js';

const OIDC_KEYS = ['issuer', 'audience', 'jwks', 'jwks_path', 'leeway_seconds'];
/** Countersign accepts at most 5 minutes of clock leeway. */
const MAX_LEEWAY_S = 300;
export const INLINE_JWKS_FILE = 'cavra-oidc-jwks.json';

export interface OidcConversion {
  /** The `identity.oidc[]` entry. */
  oidc: Record<string, unknown>;
  /** The JWKS file the entry names: `source` (an existing file) or `content` (to write). */
  jwks: { path: string; source: string } | { path: string; content: string };
  notes: Notes;
}

function audiences(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.every((a) => typeof a === 'string' && a !== '') ? (list as string[]) : undefined;
}

/** CAVRA's `leeway_seconds` (default 60), within the 5 minutes Countersign allows. */
function readLeeway(leeway: unknown, notes: Notes): number {
  if (leeway === undefined || leeway === null) return 60;
  if (typeof leeway !== 'number' || !Number.isFinite(leeway) || leeway < 0) {
    notes.unmapped('leeway_seconds', 'is not a number of seconds; the default 60s is used');
    return 60;
  }
  if (leeway > MAX_LEEWAY_S) {
    notes.changed(
      'leeway_seconds',
      `Countersign allows at most ${MAX_LEEWAY_S}s of leeway; lowered from ${leeway}s`,
    );
    return MAX_LEEWAY_S;
  }
  return Math.floor(leeway);
}

/**
 * Converts a parsed CAVRA OIDC config found in `configDir`. `outDir` is where countersign.yaml
 * will live (its relative paths resolve there); JWKS paths are written relative to it.
 */
export function convertOidc(
  doc: unknown,
  file: string,
  dirs: { configDir: string; outDir: string },
): OidcConversion {
  const notes = new Notes(file);
  if (!isPlainObject(doc))
    throw new CavraFileError(file, 'approval OIDC config file must contain an object');
  const issuer = text(doc, 'issuer');
  const audience = audiences(truthy(doc, 'audience'));
  const jwksPath = text(doc, 'jwks_path');
  const inline = truthy(doc, 'jwks');
  if (
    issuer === undefined ||
    audience === undefined ||
    (jwksPath === undefined && inline === undefined)
  ) {
    throw new CavraFileError(
      file,
      'approval OIDC config must include issuer, audience, and jwks or jwks_path',
    );
  }
  for (const key of Object.keys(doc)) {
    if (!OIDC_KEYS.includes(key)) notes.unmapped(key, 'not a CAVRA OIDC key');
  }
  let jwks: OidcConversion['jwks'];
  if (inline !== undefined) {
    if (!isPlainObject(inline) || !Array.isArray(inline.keys))
      throw new CavraFileError(file, 'OIDC JWKS must include keys');
    jwks = { path: INLINE_JWKS_FILE, content: `${JSON.stringify(inline, null, 2)}\n` };
    notes.changed(
      'jwks',
      `the inline key set is written to ${INLINE_JWKS_FILE} (Countersign reads JWKS from a file or a URL)`,
    );
  } else {
    // CAVRA resolves jwks_path against the config file's directory
    const source = resolve(dirs.configDir, jwksPath as string);
    const rel = relative(dirs.outDir, source);
    jwks = { path: isAbsolute(rel) ? source : rel, source };
  }
  const leewayS = readLeeway(doc.leeway_seconds, notes);
  notes.changed(
    'groups',
    'CAVRA reads groups from `groups`, falling back to `roles`; Countersign reads one claim ' +
      '(groupsClaim: groups): set groupsClaim: roles if your tokens carry only roles',
  );
  return {
    oidc: {
      issuer,
      audience,
      jwksFile: jwks.path,
      // CAVRA verifies RS256 only; keep it so until the identity provider's keys say otherwise
      algorithms: ['RS256'],
      groupsClaim: 'groups',
      leeway: `${leewayS}s`,
    },
    jwks,
    notes,
  };
}
