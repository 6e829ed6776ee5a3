/**
 * Signed checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[extension lines]
 *
 * signed by the dedicated audit checkpoint key. Note texts are attacker-controlled: parse
 * defensively; nothing here throws for bad input.
 */
import { HASH_SIZE } from './hash.js';
import {
  type NoteKey,
  type NoteSignature,
  type NoteSigner,
  decodeBase64,
  encodeBase64,
  isNoteSafeText,
  parseNote,
  signNote,
  verifyNote,
} from './signed-note.js';
import { isTreeSize } from './tree-math.js';

/** The tree head a checkpoint commits to. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

export type CheckpointKey = NoteKey;
export type CheckpointSigner = NoteSigner;

export interface ParsedCheckpoint {
  checkpoint: Checkpoint;
  /** The signed text: the body including its final newline. */
  body: string;
  extensions: string[];
  signatures: NoteSignature[];
}

export type CheckpointFailure = 'malformed' | 'unknown_key' | 'bad_signature' | 'origin_mismatch';

export type ParseCheckpointResult =
  ({ ok: true } & ParsedCheckpoint) | { ok: false; reason: 'malformed'; message: string };

export type VerifyCheckpointResult =
  | { ok: true; checkpoint: Checkpoint; keyName: string }
  | { ok: false; reason: CheckpointFailure; message: string };

// No leading zeros; 16 digits is enough for any safe integer.
const SIZE_RE = /^(?:0|[1-9][0-9]{0,15})$/;

/** `<origin>\n<size>\n<base64 root>\n` (tlog-checkpoint §Note text). */
export function formatCheckpointBody(checkpoint: Checkpoint): string {
  const { origin, size, root } = checkpoint;
  if (
    typeof origin !== 'string' ||
    origin.length === 0 ||
    origin.includes('\n') ||
    !isNoteSafeText(origin)
  ) {
    throw new TypeError('origin must be a non-empty line of text without control characters');
  }
  if (!isTreeSize(size)) throw new TypeError('size must be a non-negative safe integer');
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) {
    throw new TypeError(`root must be a ${HASH_SIZE}-byte hash`);
  }
  return `${origin}\n${size}\n${encodeBase64(root)}\n`;
}

type BodyResult =
  { ok: true; checkpoint: Checkpoint; extensions: string[] } | { ok: false; message: string };

/** Origin, size (decimal, no leading zeros), base64 of a 32-byte root, non-empty extensions. */
function parseBody(body: string): BodyResult {
  const lines = body.slice(0, -1).split('\n');
  if (!body.endsWith('\n') || lines.length < 3 || lines.some((l) => l.length === 0)) {
    return { ok: false, message: 'checkpoint body must be at least three non-empty lines' };
  }
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (!SIZE_RE.test(sizeLine) || !isTreeSize(Number(sizeLine))) {
    return { ok: false, message: 'tree size must be a decimal number without leading zeros' };
  }
  const root = decodeBase64(rootLine);
  if (root === undefined || root.length !== HASH_SIZE) {
    return { ok: false, message: 'root hash must be the base64 of 32 bytes' };
  }
  return {
    ok: true,
    checkpoint: { origin, size: Number(sizeLine), root },
    extensions: lines.slice(3),
  };
}

/** Parses a checkpoint note without checking signatures: not to be trusted until verified. */
export function parseCheckpoint(noteText: string): ParseCheckpointResult {
  const note = parseNote(noteText);
  if (!note.ok) return note;
  const body = parseBody(note.text);
  if (!body.ok) return { ok: false, reason: 'malformed', message: body.message };
  return {
    ok: true,
    checkpoint: body.checkpoint,
    body: note.text,
    extensions: body.extensions,
    signatures: note.signatures,
  };
}

/**
 * Verifies a checkpoint note: the signed-note rules against the trusted key(s), then the body
 * format, then (when given) the expected origin.
 */
export function verifyCheckpoint(
  noteText: string,
  keys: CheckpointKey | readonly CheckpointKey[],
  options: { origin?: string } = {},
): VerifyCheckpointResult {
  const note = verifyNote(noteText, keys);
  if (!note.ok) return note;
  const body = parseBody(note.text);
  if (!body.ok) return { ok: false, reason: 'malformed', message: body.message };
  if (options.origin !== undefined && body.checkpoint.origin !== options.origin) {
    return {
      ok: false,
      reason: 'origin_mismatch',
      message: `checkpoint origin is not ${JSON.stringify(options.origin)}`,
    };
  }
  return { ok: true, checkpoint: body.checkpoint, keyName: note.keyName };
}

/** Signs a checkpoint body (see {@link formatCheckpointBody}) and returns the note text. */
export async function signCheckpoint(body: string, signer: CheckpointSigner): Promise<string> {
  const parsed = typeof body === 'string' ? parseBody(body) : undefined;
  if (!parsed?.ok) {
    throw new TypeError(`body is not a checkpoint body: ${parsed?.message ?? 'not a string'}`);
  }
  return signNote(body, signer);
}
