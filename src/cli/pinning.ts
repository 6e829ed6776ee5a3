/**
 * Verifiers that remember (docs/audit-log.md "Pinning"): `--trusted-checkpoint FILE` and a state
 * file holding the last checkpoint this verifier accepted (`--state-file FILE`, or `--remember`
 * for ~/.config/countersign/checkpoints/<origin>), like the Go checksum database client. Every
 * pinned checkpoint must be extended by what is verified now; `--witness-key` and
 * `--min-cosignatures` require witness cosignatures before a checkpoint is accepted.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  checkAgainstPin,
  checkCosignaturePolicy,
  parseCosignerKey,
  verifyCheckpoint,
  type Checkpoint,
  type CosignaturePolicy,
  type NoteKey,
} from '../audit/index.js';
import { cliStateDir } from '../config/cli-env.js';
import { InputError } from '../errors/index.js';

export interface PinOptions {
  trustedCheckpoint?: string;
  stateFile?: string;
  remember?: boolean;
  witnessKey?: string[];
  minCosignatures?: string;
}

export interface Pin {
  source: string;
  checkpoint: Checkpoint;
}

export interface PinContext {
  pins: Pin[];
  /** Where the accepted checkpoint is remembered; undefined = nowhere. */
  statePath: string | undefined;
  policy: CosignaturePolicy | undefined;
}

export type PinProblem =
  'unwitnessed' | 'truncated' | 'forked' | 'inconsistent' | 'origin_mismatch';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the pinning options to a verify command. */
export function addPinOptions(cmd: Command): Command {
  return cmd
    .option('--trusted-checkpoint <file>', 'a checkpoint note the log must still extend')
    .option(
      '--state-file <file>',
      'remember the last verified checkpoint here and require consistency with it',
    )
    .option('--remember', 'like --state-file, at ~/.config/countersign/checkpoints/<origin>')
    .option('--witness-key <vkey>', 'a witness cosignature/v1 verifier key (repeatable)', collect)
    .option(
      '--min-cosignatures <n>',
      'witness cosignatures a checkpoint needs (default 1 with --witness-key)',
    );
}

/** True when any pinning option is given. */
export function wantsPinning(o: PinOptions): boolean {
  return Boolean(
    o.trustedCheckpoint ?? o.stateFile ?? o.remember ?? o.witnessKey ?? o.minCosignatures,
  );
}

function usage(path: string, message: string): InputError {
  return new InputError('validation_failed', `${path} ${message}`, [{ path, message }]);
}

function readPolicy(o: PinOptions): CosignaturePolicy | undefined {
  const keys = (o.witnessKey ?? []).map((v) => {
    try {
      return parseCosignerKey(v);
    } catch (err) {
      throw usage('--witness-key', (err as Error).message);
    }
  });
  if (o.minCosignatures !== undefined && !/^\d{1,2}$/.test(o.minCosignatures)) {
    throw usage('--min-cosignatures', 'must be a small non-negative integer');
  }
  const min =
    o.minCosignatures === undefined ? Math.min(1, keys.length) : Number(o.minCosignatures);
  if (min > keys.length) throw usage('--min-cosignatures', 'exceeds the number of --witness-key');
  return keys.length === 0 ? undefined : { witnesses: keys, min };
}

function statePathFor(o: PinOptions, origin: string): string | undefined {
  if (o.stateFile) return resolve(o.stateFile);
  if (!o.remember) return undefined;
  const dir = cliStateDir();
  if (!dir) throw usage('--remember', 'needs HOME or XDG_CONFIG_HOME; pass --state-file');
  return join(dir, 'checkpoints', encodeURIComponent(origin));
}

function readPin(
  file: string,
  source: string,
  origin: string,
  keys: readonly NoteKey[],
): Pin | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && source === 'state') return undefined;
    throw usage(source === 'state' ? '--state-file' : '--trusted-checkpoint', 'cannot be read');
  }
  const v = verifyCheckpoint(text, keys, { origin });
  if (!v.ok) {
    throw usage(
      source === 'state' ? '--state-file' : '--trusted-checkpoint',
      `is not a checkpoint of ${origin} signed by its key: ${v.message}`,
    );
  }
  return { source, checkpoint: v.checkpoint };
}

/** Reads and verifies the pinned checkpoints of `origin` with the log's checkpoint keys. */
export function loadPins(o: PinOptions, origin: string, logKeys: readonly NoteKey[]): PinContext {
  const statePath = statePathFor(o, origin);
  const pins: Pin[] = [];
  if (o.trustedCheckpoint) {
    const p = readPin(resolve(o.trustedCheckpoint), 'trusted checkpoint', origin, logKeys);
    if (p) pins.push(p);
  }
  if (statePath) {
    const p = readPin(statePath, 'state', origin, logKeys);
    if (p) pins.push(p);
  }
  return { pins, statePath, policy: readPolicy(o) };
}

export type PinOutcome = { ok: true } | { ok: false; problem: PinProblem; message: string };

/**
 * Checks that `current` (a tree this verifier has just verified) extends every pin, fetching
 * consistency proofs with `prove(from, to)` when the sizes differ.
 */
export async function checkPins(
  ctx: PinContext,
  current: Checkpoint,
  prove: (from: number, to: number) => Promise<Uint8Array[]>,
): Promise<PinOutcome> {
  for (const pin of ctx.pins) {
    const p = pin.checkpoint;
    const proof = p.size < current.size ? await prove(p.size, current.size) : [];
    const r = checkAgainstPin(p, current, proof);
    if (!r.ok) return { ok: false, problem: r.reason, message: `${r.message} (${pin.source})` };
  }
  return { ok: true };
}

/** The witness policy's verdict on a checkpoint note; ok when no policy is set. */
export function checkWitnesses(ctx: PinContext, note: string): PinOutcome & { detail: string } {
  if (!ctx.policy) return { ok: true, detail: 'no witness policy' };
  const c = checkCosignaturePolicy(note, ctx.policy);
  return c.ok
    ? { ok: true, detail: c.message }
    : { ok: false, problem: 'unwitnessed', message: c.message, detail: c.message };
}

/** Remembers `note` (a verified checkpoint) unless the state already holds a larger one. */
export function rememberCheckpoint(ctx: PinContext, note: string, checkpoint: Checkpoint): boolean {
  if (!ctx.statePath) return false;
  const held = ctx.pins.find((p) => p.source === 'state');
  if (held && held.checkpoint.size > checkpoint.size) return false;
  mkdirSync(dirname(ctx.statePath), { recursive: true, mode: 0o700 });
  const tmp = `${ctx.statePath}.${process.pid}.tmp`;
  writeFileSync(tmp, note, { mode: 0o600 });
  renameSync(tmp, ctx.statePath);
  return true;
}
