/** Glue between `evidence verify` and pinning: keys from options, proofs from the log server. */
import { parseCheckpoint, parseCosignerKey, type NoteKey } from '../audit/index.js';
import type { VerifyEvidenceResult } from '../evidence/evidence.js';
import { cliEnvironment } from '../config/cli-env.js';
import { InputError } from '../errors/index.js';
import { remoteBackend } from './backend.js';
import type { GlobalOptions } from './context.js';
import { checkEvidencePins, checkpointKeysOf } from './evidence-pinned.js';
import type { PinOptions } from './pinning.js';

export function witnessKeys(o: PinOptions): NoteKey[] {
  if (o.minCosignatures !== undefined && !/^\d{1,2}$/.test(o.minCosignatures)) {
    throw new InputError('validation_failed', '--min-cosignatures must be a small integer', [
      { path: '--min-cosignatures', message: 'integer' },
    ]);
  }
  return (o.witnessKey ?? []).map((v) => {
    try {
      return parseCosignerKey(v);
    } catch (err) {
      const message = (err as Error).message;
      throw new InputError('validation_failed', `--witness-key ${message}`, [
        { path: '--witness-key', message },
      ]);
    }
  });
}

/** Adds the pin check to a verified bundle's result (a failed pin makes it a rejection). */
export async function withPins(
  result: Extract<VerifyEvidenceResult, { ok: true }>,
  bundle: unknown,
  jwks: unknown,
  o: PinOptions & { origin?: string },
  globals: GlobalOptions,
): Promise<VerifyEvidenceResult> {
  // verified above: the note is a checkpoint signed by a checkpoint key of the JWKS
  const note = (bundle as { checkpoint: { note: string } }).checkpoint.note;
  const parsed = parseCheckpoint(note);
  if (!parsed.ok) throw new Error('a verified bundle has an unparseable checkpoint');
  const origin = parsed.checkpoint.origin;
  const env = cliEnvironment();
  const url = globals.url ?? env.url;
  const backend = url ? remoteBackend(url, globals.token ?? env.token) : undefined;
  const pin = await checkEvidencePins(
    o,
    { note, checkpoint: parsed.checkpoint },
    checkpointKeysOf(jwks, origin),
    backend ? (from, to) => backend.auditConsistency(from, to) : undefined,
  );
  if (!pin.ok) {
    return {
      ok: false,
      problems: [{ code: 'pin_inconsistent', message: pin.message }],
      checks: [...result.checks, { name: 'pinned', status: 'fail', detail: pin.message }],
    };
  }
  return {
    ...result,
    checks: [...result.checks, { name: 'pinned', status: 'pass', detail: pin.detail }],
  };
}
