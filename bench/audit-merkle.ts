/**
 * Audit Merkle log math: appends, proofs at 1M leaves and full verification of 1M events, each
 * beside raw SHA-256 measured in the same run.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { AuditEvent } from '../src/domain/audit-event.js';
import {
  MemoryTree,
  appendLeaf,
  emptyCompactRange,
  formatCheckpointBody,
  inclusionProof,
  leafHash,
  signCheckpoint,
  verifyInclusion,
  verifyLog,
  type CompactRange,
  type LogRow,
} from '../src/audit/index.js';
import { jcs } from '../src/lib/hash.js';
import { type BenchFigure, opsPerSecond, rateFigure } from './lib.js';

const MILLION = 1_000_000;
const ORIGIN = 'bench.countersign/audit';

function benchEvent(id: string, at: string, run: string): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type: 'gate.allowed',
    eventId: `evt_${id}`,
    at,
    actor: { id: 'svc_deployer', kind: 'service', name: 'deploy-bot' },
    environment: 'prod',
    project: 'payments',
    approvalId: `apr_${id}`,
    decisionId: `dec_${id}`,
    approvalRequired: true,
    requiredCapabilities: ['deploy', 'prod-write'],
    outcome: 'allowed',
    reasonCode: null,
    actionHash: `sha256:${'a1'.repeat(32)}`,
    specHash: `sha256:${'b2'.repeat(32)}`,
    details: { gate: 'ci', pipeline: 'release', run },
  };
}

/**
 * The JCS text of event i, as a store keeps it, from a template: canonicalising 2M events in
 * the bench would measure the JCS library, not the log.
 */
const TEMPLATE = jcs(benchEvent('\u0001', '\u0002', '\u0003')).split(/\\u000[123]/);
function eventText(i: number): string {
  const id = i.toString(36).padStart(20, '0');
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const [a, b, c, d, e, f] = TEMPLATE as [string, string, string, string, string, string];
  return `${a}${id}${b}${at}${c}${id}${d}${i}${e}${id}${f}`;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** Raw SHA-256 of `bytes` and appendLeaf (leaf hash + compact range + node map) on the same bytes. */
async function appendFigures(): Promise<BenchFigure[]> {
  const bytes = Buffer.from(eventText(1), 'utf8');
  const hashRate = await opsPerSecond(() => sha256(bytes), { ms: 1000, batch: 1000 });
  let range: CompactRange = emptyCompactRange();
  let nodes = new Map<string, Uint8Array>();
  const appendRate = await opsPerSecond(
    () => {
      const r = appendLeaf(range, leafHash(bytes));
      range = r.range;
      for (const n of r.newNodes) nodes.set(`${n.level}/${n.index}`, n.hash);
      if (nodes.size > 2 * MILLION) [range, nodes] = [emptyCompactRange(), new Map()];
    },
    { ms: 1000, batch: 1000 },
  );
  const tree = new MemoryTree();
  const leaf = leafHash(bytes);
  const memoryRate = await opsPerSecond(() => tree.append(leaf), { ms: 1000, batch: 1000 });
  return [
    rateFigure(
      'audit appendLeaf + node map',
      appendRate,
      'sha256 of the same leaf',
      hashRate,
      `${bytes.length}-byte JCS event; leaf hash included`,
    ),
    rateFigure(
      'audit MemoryTree.append (leaf hash given)',
      memoryRate,
      'sha256 of the same leaf',
      hashRate,
    ),
  ];
}

async function buildMillion(): Promise<{ tree: MemoryTree; ms: number }> {
  const start = performance.now();
  const tree = new MemoryTree();
  for (let i = 0; i < MILLION; i++) tree.append(leafHash(Buffer.from(eventText(i), 'utf8')));
  return { tree, ms: performance.now() - start };
}

/** Generate and verify inclusion proofs for random leaves of the 1M tree. */
async function proofFigure(tree: MemoryTree, hashRate: number): Promise<BenchFigure> {
  const root = tree.root();
  let seed = 12345;
  const rate = await opsPerSecond(
    async () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const index = seed % MILLION;
      const proof = await inclusionProof(index, MILLION, tree.read);
      const leaf = tree.get(0, index) as Uint8Array;
      if (!verifyInclusion(leaf, index, MILLION, proof, root)) {
        throw new Error('inclusion proof failed to verify');
      }
    },
    { ms: 1000, batch: 100 },
  );
  return rateFigure(
    'audit inclusion proof generate+verify @1M leaves',
    rate,
    'sha256 of a JCS event',
    hashRate,
    `${(1e6 / rate).toFixed(1)} µs per proof`,
  );
}

/** verifyLog over 1M in-memory events (rows generated on the fly), two signed checkpoints. */
async function verifyFigure(tree: MemoryTree): Promise<BenchFigure> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = {
    name: ORIGIN,
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
    sign: (m: Uint8Array) => sign(null, m, privateKey),
  };
  const notes = [
    await signCheckpoint(
      formatCheckpointBody({ origin: ORIGIN, size: MILLION, root: tree.root() }),
      key,
    ),
  ];
  function* rows(): Generator<LogRow> {
    for (let i = 0; i < MILLION; i++) yield { index: i, eventJson: eventText(i) };
  }
  // Baseline: generating the same rows and SHA-256 over their texts, nothing else (measured on
  // the first fifth, scaled to 1M).
  let start = performance.now();
  for (const row of rows()) {
    sha256(Buffer.from(row.eventJson, 'utf8'));
    if (row.index === MILLION / 5 - 1) break;
  }
  const hashMs = (performance.now() - start) * 5;
  start = performance.now();
  const result = await verifyLog({
    events: rows(),
    readNodes: tree.read,
    compactRange: tree.compactRange(),
    checkpoints: { notes, keys: key, origin: ORIGIN },
  });
  const ms = performance.now() - start;
  if (!result.ok) throw new Error(`verifyLog failed: ${result.message}`);
  return {
    name: 'audit verifyLog, 1M events in memory',
    value: ms / 1000,
    unit: 's',
    baseline: {
      name: 'row generation + sha256 of the 1M event texts',
      value: hashMs / 1000,
      unit: 's',
    },
    ratio: hashMs / ms,
    note: `${Math.round(MILLION / (ms / 1000)).toLocaleString('en-US')} events/s; leaf + every node + checkpoint + compact range`,
  };
}

export async function benchAuditMerkle(): Promise<BenchFigure[]> {
  for (const i of [0, 1, 35, 999_999]) {
    if (jcs(JSON.parse(eventText(i))) !== eventText(i)) throw new Error('bench event is not JCS');
  }
  const figures = await appendFigures();
  const hashRate = (figures[0]?.baseline?.value as number) ?? 0;
  const { tree, ms } = await buildMillion();
  figures.push({
    name: 'audit build 1M-leaf tree (event text + leaf hash + append)',
    value: ms / 1000,
    unit: 's',
    baseline: { name: 'sha256 × 1M at the measured rate', value: MILLION / hashRate, unit: 's' },
    ratio: MILLION / hashRate / (ms / 1000),
  });
  figures.push(await proofFigure(tree, hashRate));
  figures.push(await verifyFigure(tree));
  return figures;
}
