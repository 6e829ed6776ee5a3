/**
 * `countersign evidence export|verify|attest` and `countersign approval attach-decision`
 * (docs/evidence.md). `verify` is offline: it needs only the bundle file and the public keys.
 */
import type { Command } from 'commander';
import { verifyEvidence, type VerifyEvidenceResult } from '../../evidence/evidence.js';
import { verifyAttestation } from '../../evidence/attestation.js';
import { fetchJwks } from '../../credentials/verify/index.js';
import { InputError } from '../../errors/index.js';
import { parseDuration } from '../../lib/duration.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readDocument } from '../io.js';
import { describeApproval, printJson, type Output } from '../output.js';
import { runCommand, runPlain } from '../run.js';
import { addPinOptions, wantsPinning, type PinOptions } from '../pinning.js';
import { withPins, witnessKeys } from '../evidence-verify-pins.js';

type EvidenceVerifyOptions = PinOptions & { jwks: string; origin?: string; maxLifetime: string };

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

function lifetimeSeconds(value: string): number {
  const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === undefined) {
    throw new InputError('validation_failed', '--max-lifetime is not a duration', [
      { path: '--max-lifetime', message: 'like 24h or 7d' },
    ]);
  }
  return Math.floor(ms / 1000);
}

function printResult(out: Output, r: VerifyEvidenceResult): void {
  for (const c of r.checks) {
    out.out(
      `${MARK[c.status]} ${c.name.padEnd(10)} ${c.status === 'skip' ? `skipped: ${c.detail}` : c.detail}`,
    );
  }
  if (!r.ok) {
    for (const p of r.problems) out.err(`rejected: ${p.code}: ${p.message}`);
    return;
  }
  const s = r.summary;
  out.out(
    `verified: ${s.approvalId} ${s.state}${s.breakGlass ? ' [BREAK-GLASS]' : ''} — ${s.kind} ${s.environment}/${s.project}, ` +
      `${s.events} events in checkpoint ${s.checkpoint.size} of ${s.checkpoint.origin}`,
  );
  if (s.credential) {
    out.out(
      `credential ${s.credential.jti} (key ${s.credential.kid}) ${s.credential.expired ? 'expired' : 'expires'} at ${s.credential.expiresAt}` +
        (s.credential.withheld ? ' (token withheld: signature not checked)' : ''),
    );
  }
}

/** A DSSE envelope (what `evidence attest` prints) rather than an evidence bundle. */
function isEnvelope(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && 'payloadType' in doc && 'signatures' in doc;
}

function verifyAttestationFile(out: Output, envelope: unknown, jwks: unknown): void {
  const r = verifyAttestation(envelope, jwks as never);
  if (out.json) printJson(out, r);
  else if (r.ok) {
    const p = r.statement.predicate;
    const subject = r.statement.subject[0];
    out.out(
      `verified attestation: approval ${p.approvalId} ${p.state}${p.breakGlass ? ' [BREAK-GLASS]' : ''} — ${p.kind} ${p.environment}/${p.project}, signed by key ${r.keyid}`,
    );
    if (subject) out.out(`subject: ${subject.name} sha256:${subject.digest.sha256}`);
  } else out.err(`rejected: ${r.code}: ${r.message}`);
  if (!r.ok) process.exitCode = EXIT.rejected;
}

export function registerEvidenceCommands(program: Command): void {
  const evidence = program
    .command('evidence')
    .description('offline-verifiable evidence of an approval (bundle, verification, attestation)');

  evidence
    .command('export <id>')
    .description('print the evidence bundle of an approval (JSON; needs audit:read)')
    .action((id: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        printJson(out, await backend.evidenceBundle(id));
      }),
    );

  addPinOptions(
    evidence
      .command('verify <file>')
      .description(
        'verify an evidence bundle, or an attestation (DSSE envelope from `evidence attest`), offline with the public keys alone (exit 0 verified, 1 rejected)',
      )
      .requiredOption(
        '--jwks <file|url>',
        'the public keys (a file, or the server /.well-known/jwks.json URL)',
      )
      .option('--origin <origin>', 'the audit log origin the checkpoint must name')
      .option('--max-lifetime <duration>', 'longest accepted credential lifetime', '24h'),
  ).action((file: string, o: EvidenceVerifyOptions, cmd: Command) =>
    runPlain(g(cmd), async (out) => {
      const bundle = readDocument(file);
      const jwks = /^https?:\/\//.test(o.jwks) ? await fetchJwks(o.jwks) : readDocument(o.jwks);
      if (isEnvelope(bundle)) return verifyAttestationFile(out, bundle, jwks);
      const witnesses = witnessKeys(o);
      let result = await verifyEvidence(bundle, {
        jwks: jwks as never,
        maxCredentialLifetime: lifetimeSeconds(o.maxLifetime),
        ...(o.origin ? { origin: o.origin } : {}),
        ...(witnesses.length > 0 ? { witnesses } : {}),
        ...(o.minCosignatures !== undefined ? { minCosignatures: Number(o.minCosignatures) } : {}),
      });
      if (result.ok && wantsPinning(o)) result = await withPins(result, bundle, jwks, o, g(cmd));
      if (out.json) printJson(out, result);
      else printResult(out, result);
      if (!result.ok) process.exitCode = EXIT.rejected;
    }),
  );

  evidence
    .command('attest <id>')
    .description('print the approval as an in-toto Statement in a DSSE envelope (needs audit:read)')
    .action((id: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        printJson(out, await backend.evidenceAttestation(id));
      }),
    );
}

/** `countersign approval attach-decision ID DECISION_ID`, registered on the `approval` command. */
export function registerAttachDecisionCommand(approval: Command): void {
  approval
    .command('attach-decision <id> <decisionId>')
    .description('attach a decision with the same action hash (listed in the evidence bundle)')
    .action((id: string, decisionId: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const a = await backend.attachDecision(id, decisionId);
        if (out.json) return printJson(out, a);
        out.out(`attached ${decisionId} to ${id}`);
        out.out(describeApproval(a));
      }),
    );
}
