/**
 * The log's side of witnessing (c2sp.org/tlog-witness): each signed checkpoint is submitted to
 * every configured witness with a consistency proof from the size that witness last cosigned, and
 * the cosignature each answers is verified with that witness's key and stored with the
 * checkpoint. A witness that knows another size answers 409 with it; the submission is retried
 * once with a proof from that size. Failures are reported, never thrown: checkpoints are signed
 * whether or not witnesses answer; evidence bundles wait for the configured cosignatures.
 */
import {
  appendSignatureLines,
  consistencyProof,
  formatAddCheckpoint,
  verifyCosignatures,
} from '../audit/index.js';
import { isoAt } from '../lib/clock.js';
import type { StoredCheckpoint } from '../store/port.js';
import type { ServiceDeps, WitnessEndpoint, WitnessingConfig } from './ports.js';

export interface WitnessOutcome {
  witness: string;
  ok: boolean;
  message: string;
}

export type WitnessDeps = Pick<ServiceDeps, 'store' | 'clock'> & {
  witnessing?: WitnessingConfig | null;
};

const MAX_ANSWER = 16 * 1024;
const SIZE_ANSWER_RE = /^(0|[1-9][0-9]{0,15})\n?$/;

export function createWitnessService(deps: WitnessDeps) {
  const config = deps.witnessing ?? { witnesses: [], minCosignatures: 0 };
  const doFetch = config.fetch ?? fetch;
  const readNodes = (refs: readonly { level: number; index: number }[]) =>
    deps.store.readAuditNodes(refs);

  async function post(w: WitnessEndpoint, oldSize: number, cp: StoredCheckpoint) {
    const proof = await consistencyProof(oldSize, cp.size, readNodes);
    const res = await doFetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: formatAddCheckpoint({ oldSize, proof, note: cp.note }),
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
    const text = (await res.text()).slice(0, MAX_ANSWER);
    return { status: res.status, text };
  }

  /** Submits `cp` to one witness; stores its cosignature when it verifies. */
  async function submit(w: WitnessEndpoint, cp: StoredCheckpoint): Promise<WitnessOutcome> {
    const fail = (message: string): WitnessOutcome => ({ witness: w.name, ok: false, message });
    let oldSize = (await deps.store.lastCosignedSize(w.name)) ?? 0;
    // a witness that cosigned a larger tree would refuse this one: nothing to ask
    if (oldSize > cp.size) return fail(`already cosigned size ${oldSize}`);
    for (let attempt = 0; attempt < 2; attempt++) {
      let answer: { status: number; text: string };
      try {
        answer = await post(w, oldSize, cp);
      } catch (err) {
        return fail(`unreachable: ${(err as Error).message}`);
      }
      if (answer.status === 200) {
        const lines = answer.text.split('\n').filter((l) => l.length > 0);
        const check = verifyCosignatures(appendSignatureLines(cp.note, lines), [w.key]);
        const mine = check.valid.find((c) => c.name === w.name);
        if (!mine) return fail('answered without a valid cosignature by its key');
        await deps.store.transaction((tx) =>
          tx.insertCosignature({
            size: cp.size,
            witness: w.name,
            line: mine.line,
            createdAt: isoAt(deps.clock.now()),
          }),
        );
        return { witness: w.name, ok: true, message: `cosigned size ${cp.size}` };
      }
      const known = SIZE_ANSWER_RE.exec(answer.text);
      if (answer.status !== 409 || !known) {
        return fail(`answered ${answer.status}: ${answer.text.slice(0, 200).trim()}`);
      }
      const size = Number(known[1]);
      // the witness saw a larger tree than this log has, or refuses this very size: a fork
      if (size > cp.size) return fail(`has seen size ${size}, larger than this checkpoint`);
      if (size === oldSize) return fail(`refuses size ${cp.size}: inconsistent with its record`);
      oldSize = size;
    }
    return fail('the witness size kept changing');
  }

  /** Submits a checkpoint to every witness that has not cosigned it yet. */
  async function witness(cp: StoredCheckpoint): Promise<WitnessOutcome[]> {
    if (config.witnesses.length === 0) return [];
    const have = new Set((await deps.store.listCosignatures(cp.size)).map((c) => c.witness));
    const todo = config.witnesses.filter((w) => !have.has(w.name));
    return Promise.all(todo.map((w) => submit(w, cp)));
  }

  /** Witnesses the latest checkpoint (the periodic checkpointer calls this after signing). */
  async function witnessLatest(): Promise<WitnessOutcome[]> {
    const cp = await deps.store.latestCheckpoint();
    return cp ? witness(cp) : [];
  }

  /**
   * The checkpoint's note with the stored cosignatures of configured witnesses appended (each
   * re-verified, so a row edited in the database is dropped), and how many there are.
   */
  async function cosigned(cp: StoredCheckpoint): Promise<{ note: string; cosignatures: number }> {
    const rows = await deps.store.listCosignatures(cp.size);
    const keys = config.witnesses.map((w) => w.key);
    if (rows.length === 0 || keys.length === 0) return { note: cp.note, cosignatures: 0 };
    const check = verifyCosignatures(
      appendSignatureLines(
        cp.note,
        rows.map((r) => r.line),
      ),
      keys,
    );
    return {
      note: appendSignatureLines(
        cp.note,
        check.valid.map((c) => c.line),
      ),
      cosignatures: check.valid.length,
    };
  }

  return {
    witness,
    witnessLatest,
    cosigned,
    minCosignatures: config.minCosignatures,
  };
}

export type WitnessService = ReturnType<typeof createWitnessService>;
