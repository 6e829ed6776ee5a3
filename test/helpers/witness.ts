/** A real witness (key file, SQLite state, HTTP server on 127.0.0.1) for tests. */
import { join } from 'node:path';
import type { NoteKey } from '../../src/audit/index.js';
import { createWitness } from '../../src/witness/witness.js';
import { generateWitnessKey, type WitnessKey } from '../../src/witness/witness-key.js';
import { startWitnessServer } from '../../src/witness/witness-server.js';
import { WitnessState } from '../../src/witness/witness-state.js';
import { createCheckpointKeys } from '../../src/credentials/checkpoint-keys.js';
import type { KeyRing } from '../../src/credentials/index.js';

export interface TestWitness {
  name: string;
  url: string;
  key: WitnessKey;
  state: WitnessState;
  /** The log keys it trusts; push to add. */
  logs: NoteKey[];
  /** Every refusal of a validly signed checkpoint, in order. */
  refusals: { origin: string; status: number; message: string }[];
  /** As the log configures it. */
  endpoint: { name: string; url: string; key: NoteKey };
  close(): Promise<void>;
}

export async function startTestWitness(dir: string, name: string): Promise<TestWitness> {
  const key = generateWitnessKey(name, join(dir, `${name.replace(/\W/g, '_')}.key`));
  const state = new WitnessState(join(dir, `${name.replace(/\W/g, '_')}.db`));
  const logs: NoteKey[] = [];
  const refusals: TestWitness['refusals'] = [];
  const witness = createWitness({
    key,
    logs,
    state,
    now: () => Date.now(),
    onRefusal: (origin, status, message) => refusals.push({ origin, status, message }),
  });
  const server = await startWitnessServer(witness, '127.0.0.1', 0);
  return {
    name,
    url: server.url,
    key,
    state,
    logs,
    refusals,
    endpoint: { name, url: server.url, key: { name, publicKey: key.signer.publicKey } },
    close: async () => {
      await server.close();
      state.close();
    },
  };
}

/** The checkpoint verifier keys of a harness key ring (origin countersign.test/audit). */
export function harnessLogKeys(keyRing: KeyRing): NoteKey[] {
  return createCheckpointKeys(keyRing, 'countersign.test/audit').verifierKeys();
}
