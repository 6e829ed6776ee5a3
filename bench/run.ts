/**
 * `npm run bench`: every figure beside a baseline measured in the same run, as a ratio.
 * BENCH_ONLY=gate,audit-store,… runs a subset; BENCH_AUDIT_EVENTS sets the large log size.
 */
import { benchAuditMerkle } from './audit-merkle.js';
import { benchAuditStore } from './audit-store.js';
import { benchCredentialVerify } from './credential-verify.js';
import { benchGateHttp } from './gate-http.js';
import { formatFigure, type BenchFigure } from './lib.js';
import { benchNotify } from './notify.js';
import { benchStores } from './stores.js';

const suites: Record<string, () => Promise<BenchFigure[]>> = {
  'credential-verify': () => benchCredentialVerify(),
  gate: () => benchGateHttp(),
  'audit-merkle': () => benchAuditMerkle(),
  'audit-store': () => benchAuditStore(Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000)),
  notify: () => benchNotify(),
  stores: () => benchStores(),
};

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
for (const [name, run] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  console.log(`\n== ${name}`);
  for (const figure of await run()) console.log(formatFigure(figure));
}
