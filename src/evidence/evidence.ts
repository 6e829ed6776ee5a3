/**
 * Offline verification of an evidence bundle (docs/domain.md §6, docs/evidence.md) with nothing but
 * the bundle and the public keys: a fixed, ordered pipeline. The checkpoint must be signed by a
 * checkpoint key of the JWKS (never a credential key); only then is its root trusted for the
 * inclusion proofs; only proven events are compared with the request; the credential is verified
 * by the same verifier the gate runs, at its issue time, so an old bundle still verifies.
 *
 * The bundle is attacker-controlled: parse defensively. Nothing here throws for a bad bundle.
 */
import { Buffer } from 'node:buffer';
import type { JSONWebKeySet } from 'jose';
import { PURPOSE_MEMBER, STATUS_MEMBER } from '../credentials/verify/key-set.js';
import { verifyCredential } from '../credentials/verify/verifier.js';
import { actionHashOfClaims } from '../credentials/verify/action-hash.js';
import { verifyCheckpoint, type Checkpoint, type CheckpointKey } from '../audit/checkpoint.js';
import { checkCosignaturePolicy } from '../audit/pin.js';
import type { NoteKey } from '../audit/signed-note.js';
import { parseEvidenceBundle } from './evidence-parse.js';
import { approvalEvents, checkApproval, checkMembership, checkState } from './evidence-rules.js';
import type {
  EvidenceBundle,
  EvidenceCheck,
  EvidenceCheckName,
  EvidenceCredential,
  EvidenceProblem,
  EvidenceSummary,
  VerifyEvidenceResult,
} from './evidence-types.js';
import { bytesEqual, eventLeafHash, hashFromHex, toHex } from '../audit/hash.js';
import { sha256Hex } from '../lib/hash.js';
import { verifyInclusion } from '../audit/verify-proofs.js';

export * from './evidence-types.js';
export { parseEvidenceBundle } from './evidence-parse.js';

export interface VerifyEvidenceOptions {
  /** The public keys (`/.well-known/jwks.json`): checkpoint and credential keys. */
  jwks: JSONWebKeySet | undefined;
  /** When set, the checkpoint's origin must be this (the log the verifier trusts). */
  origin?: string;
  /** The time to report credential expiry against. Default: now. */
  now?: Date | number;
  /** Longest credential lifetime accepted, seconds (default 86400, as the verifier's). */
  maxCredentialLifetime?: number;
  /** Witness cosignature/v1 keys; with `minCosignatures`, the checkpoint must carry that many. */
  witnesses?: readonly NoteKey[];
  /** Valid cosignatures by `witnesses` the checkpoint needs (default 1 when witnesses are given). */
  minCosignatures?: number;
}

const ED25519_X = /^[A-Za-z0-9_-]{43}$/;

/** Ed25519 keys of one purpose from a JWKS, as raw public keys; revoked and odd keys are dropped. */
function keysOfPurpose(jwks: JSONWebKeySet | undefined, purpose: string): Uint8Array[] {
  const entries: unknown[] = Array.isArray(jwks?.keys) ? (jwks.keys as unknown[]) : [];
  const out: Uint8Array[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const k = entry as Record<string, unknown>;
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string' || !ED25519_X.test(k.x)) {
      continue;
    }
    if (k[PURPOSE_MEMBER] !== purpose || k[STATUS_MEMBER] === 'revoked') continue;
    out.push(new Uint8Array(Buffer.from(k.x, 'base64url')));
  }
  return out;
}

type CheckpointOutcome =
  { ok: true; checkpoint: Checkpoint } | { ok: false; problem: EvidenceProblem };

function verifyBundleCheckpoint(b: EvidenceBundle, o: VerifyEvidenceOptions): CheckpointOutcome {
  const cp = b.checkpoint;
  const fail = (code: EvidenceProblem['code'], message: string): CheckpointOutcome => ({
    ok: false,
    problem: { code, message },
  });
  if (!Array.isArray(o.jwks?.keys) || o.jwks.keys.length === 0) {
    return fail('keyset_unavailable', 'the key set is empty or missing');
  }
  if (o.origin !== undefined && cp.origin !== o.origin) {
    return fail(
      'checkpoint_origin',
      `the checkpoint is from ${JSON.stringify(cp.origin)}, not ${JSON.stringify(o.origin)}`,
    );
  }
  const named = (publicKey: Uint8Array): CheckpointKey => ({ name: cp.origin, publicKey });
  const trusted = keysOfPurpose(o.jwks, 'checkpoint').map(named);
  if (trusted.length === 0)
    return fail('checkpoint_key_unknown', 'the key set has no checkpoint key');
  let result: ReturnType<typeof verifyCheckpoint>;
  try {
    result = verifyCheckpoint(cp.note, trusted, { origin: cp.origin });
  } catch {
    // the origin is not a valid note key name: no key can have signed it
    return fail('checkpoint_key_unknown', 'the checkpoint origin is not a valid key name');
  }
  if (!result.ok) {
    switch (result.reason) {
      case 'bad_signature':
        return fail(
          'checkpoint_signature',
          `the checkpoint signature does not verify (${result.message})`,
        );
      case 'origin_mismatch':
        return fail('checkpoint_origin', result.message);
      case 'malformed':
        return fail('malformed', `checkpoint note: ${result.message}`);
      case 'unknown_key': {
        const credentialKeys = keysOfPurpose(o.jwks, 'credential').map(named);
        const byCredentialKey =
          credentialKeys.length > 0 && verifyCheckpoint(cp.note, credentialKeys).ok;
        return fail(
          'checkpoint_key_unknown',
          byCredentialKey
            ? 'the checkpoint is signed by a credential key; only checkpoint keys sign checkpoints'
            : 'the checkpoint is not signed by a checkpoint key of the key set',
        );
      }
    }
  }
  const { checkpoint } = result;
  if (checkpoint.size !== cp.size || toHex(checkpoint.root) !== cp.rootHash) {
    return fail('checkpoint_mismatch', 'size or rootHash differ from the signed checkpoint');
  }
  const witnesses = o.witnesses ?? [];
  if (witnesses.length > 0 || (o.minCosignatures ?? 0) > 0) {
    const min = o.minCosignatures ?? 1;
    const w = checkCosignaturePolicy(cp.note, { witnesses, min });
    if (!w.ok) return fail('checkpoint_unwitnessed', `the checkpoint has ${w.message}`);
  }
  return { ok: true, checkpoint };
}

/** Every event's leaf recomputed from its JCS, and its proof leads to the signed root. */
function verifyEvents(b: EvidenceBundle, checkpoint: Checkpoint): EvidenceProblem[] {
  const problems: EvidenceProblem[] = [];
  for (const e of b.events) {
    let leaf: Uint8Array;
    try {
      leaf = eventLeafHash(e.event);
    } catch {
      problems.push({
        code: 'inclusion_failed',
        message: `event ${e.index} has no canonical form`,
      });
      continue;
    }
    const stated = hashFromHex(e.leafHash);
    const proof = e.proof.map((p) => hashFromHex(p) as Uint8Array);
    if (!stated || !bytesEqual(leaf, stated)) {
      problems.push({
        code: 'inclusion_failed',
        message: `event ${e.index} does not hash to its leafHash`,
      });
    } else if (!verifyInclusion(leaf, e.index, checkpoint.size, proof, checkpoint.root)) {
      problems.push({
        code: 'inclusion_failed',
        message: `event ${e.index}: the inclusion proof does not lead to the checkpoint root`,
      });
    }
  }
  return problems;
}

/** A type-specific detail of an event; `details` is untyped in an untrusted bundle. */
function detailOf(event: object, name: string): unknown {
  const details = (event as { details?: unknown }).details;
  return typeof details === 'object' && details !== null
    ? (details as Record<string, unknown>)[name]
    : undefined;
}

/** Withheld token: its stated claims must still agree with the bundle and with the log. */
function checkWithheldClaims(b: EvidenceBundle, c: EvidenceCredential): EvidenceProblem[] {
  const claims = c.claims ?? {};
  const problems: EvidenceProblem[] = [];
  if (claims.sub !== b.approval.id) {
    problems.push({
      code: 'credential_mismatch',
      message: 'the credential is for another approval',
    });
  }
  if (
    claims.jti !== c.jti ||
    typeof claims.iat !== 'number' ||
    typeof claims.exp !== 'number' ||
    claims.iat * 1000 !== Date.parse(c.issuedAt) ||
    claims.exp * 1000 !== Date.parse(c.expiresAt)
  ) {
    problems.push({ code: 'credential_mismatch', message: 'jti or times differ from the claims' });
  }
  const recorded = approvalEvents(b).some(
    (e) =>
      e.event.type === 'credential.issued' &&
      detailOf(e.event, 'jti') === c.jti &&
      detailOf(e.event, 'kid') === c.kid,
  );
  if (!recorded) {
    problems.push({
      code: 'credential_mismatch',
      message: 'no credential.issued event records this credential',
    });
  }
  return problems;
}

/** The token hashes to the digest the bundle states for it (when it states one). */
function checkTokenDigest(c: EvidenceCredential & { token: string }): EvidenceProblem[] {
  if (c.tokenDigest === undefined) return [];
  const actual = `sha256:${sha256Hex(c.token)}`;
  return actual === c.tokenDigest
    ? []
    : [{ code: 'credential_mismatch', message: 'the token does not hash to its tokenDigest' }];
}

/** The credential verifies for the request's action at its issue time and is recorded in the log. */
async function verifyBundleCredential(
  b: EvidenceBundle,
  o: VerifyEvidenceOptions,
): Promise<EvidenceProblem[]> {
  const a = b.approval;
  const issued = approvalEvents(b).filter((e) => e.event.type === 'credential.issued');
  const c = b.credential;
  if (c === null) {
    return issued.length > 0
      ? [
          {
            code: 'credential_mismatch',
            message: 'the log records an issued credential the bundle lacks',
          },
        ]
      : [];
  }
  const token = c.token;
  if (token === undefined) return checkWithheldClaims(b, c);
  const issuedAtMs = Date.parse(c.issuedAt);
  if (!Number.isFinite(issuedAtMs)) {
    return [{ code: 'credential_mismatch', message: 'credential issuedAt is not a time' }];
  }
  const act = a.action;
  let r: Awaited<ReturnType<typeof verifyCredential>>;
  try {
    r = await verifyCredential(
      token,
      {
        kind: act.kind,
        mode: act.mode,
        environment: act.environment,
        project: act.project,
        specHash: act.specHash,
        ...(typeof act.configHash === 'string' ? { configHash: act.configHash } : {}),
        ...(typeof act.target === 'string' ? { target: act.target } : {}),
        ...(typeof act.repository === 'string' ? { repository: act.repository } : {}),
        ...(typeof act.sourceEnvironment === 'string'
          ? { sourceEnvironment: act.sourceEnvironment }
          : {}),
        ...(typeof act.pipelineVersion === 'string'
          ? { pipelineVersion: act.pipelineVersion }
          : {}),
        capabilities: [],
      },
      {
        jwks: o.jwks,
        now: issuedAtMs,
        requiredCapabilities: a.decision.requiredCapabilities,
        ...(a.decision.posture ? { expectedPosture: a.decision.posture } : {}),
        ...(o.maxCredentialLifetime !== undefined ? { maxLifetime: o.maxCredentialLifetime } : {}),
      },
    );
  } catch {
    // the verifier throws only when its input is not an action: the request's action is broken
    return [{ code: 'credential_invalid', message: "the request's action is not a valid action" }];
  }
  if (!r.ok) {
    return [{ code: 'credential_invalid', message: `${r.code}: ${r.message}` }];
  }
  const problems: EvidenceProblem[] = checkTokenDigest({ ...c, token });
  const claims = r.claims;
  if (claims.sub !== a.id) {
    problems.push({
      code: 'credential_mismatch',
      message: 'the credential is for another approval',
    });
  }
  // the claims bind exactly the approval's action hash (and rebuild it)
  if (claims.action_hash !== a.actionHash || actionHashOfClaims(claims) !== claims.action_hash) {
    problems.push({
      code: 'credential_mismatch',
      message: "the credential's bound fields do not hash to the approval's action hash",
    });
  }
  if (
    claims.jti !== c.jti ||
    r.kid !== c.kid ||
    claims.iat * 1000 !== issuedAtMs ||
    claims.exp * 1000 !== Date.parse(c.expiresAt)
  ) {
    problems.push({
      code: 'credential_mismatch',
      message: 'jti, kid or times differ from the token',
    });
  }
  const recorded = issued.some(
    (e) => detailOf(e.event, 'jti') === claims.jti && detailOf(e.event, 'kid') === r.kid,
  );
  if (!recorded) {
    problems.push({
      code: 'credential_mismatch',
      message: 'no credential.issued event records this credential',
    });
  }
  return problems;
}

function summarize(b: EvidenceBundle, o: VerifyEvidenceOptions): EvidenceSummary {
  const a = b.approval;
  const nowMs =
    o.now === undefined ? Date.now() : typeof o.now === 'number' ? o.now : o.now.getTime();
  const c = b.credential;
  return {
    approvalId: a.id,
    state: a.state,
    environment: a.action.environment,
    project: a.action.project,
    kind: a.action.kind,
    specHash: a.action.specHash,
    breakGlass: a.breakGlass !== null,
    events: b.events.length,
    attachedDecisions: b.attachedDecisions.map((d) => d.decisionId),
    checkpoint: {
      origin: b.checkpoint.origin,
      size: b.checkpoint.size,
      rootHash: b.checkpoint.rootHash,
    },
    credential: c
      ? {
          jti: c.jti,
          kid: c.kid,
          issuedAt: c.issuedAt,
          expiresAt: c.expiresAt,
          expired: nowMs >= Date.parse(c.expiresAt),
          withheld: c.token === undefined,
        }
      : null,
  };
}

/**
 * Verifies an evidence bundle offline. Checks run in a fixed order (structure, checkpoint,
 * inclusion, membership, approval, state, credential); every problem found is reported with a
 * stable code. Event checks are skipped, not passed, when the checkpoint does not verify.
 *
 * @example
 * ```ts
 * const result = await verifyEvidence(JSON.parse(text), { jwks });
 * if (!result.ok) for (const p of result.problems) console.error(p.code, p.message);
 * ```
 */
export async function verifyEvidence(
  input: unknown,
  options: VerifyEvidenceOptions,
): Promise<VerifyEvidenceResult> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const checks: EvidenceCheck[] = [];
  const problems: EvidenceProblem[] = [];
  const record = (name: EvidenceCheckName, found: EvidenceProblem[], passed: string) => {
    problems.push(...found);
    checks.push({
      name,
      status: found.length === 0 ? 'pass' : 'fail',
      detail: found.length === 0 ? passed : found.map((p) => p.message).join('; '),
    });
  };
  const skip = (name: EvidenceCheckName, why: string) =>
    checks.push({ name, status: 'skip', detail: why });

  const parsed = parseEvidenceBundle(input);
  if (!parsed.ok) {
    record(
      'structure',
      parsed.problems.map((p) => ({
        code: 'malformed',
        message: `${p.path || '/'}: ${p.message}`,
      })),
      '',
    );
    for (const name of [
      'checkpoint',
      'inclusion',
      'membership',
      'approval',
      'state',
      'credential',
    ] as const) {
      skip(name, 'the bundle is malformed');
    }
    return { ok: false, problems, checks };
  }
  const b = parsed.bundle;
  record('structure', [], `schema ${b.schema}, ${b.events.length} events`);
  const cp = verifyBundleCheckpoint(b, options);
  if (cp.ok) {
    record(
      'checkpoint',
      [],
      `signed checkpoint of ${b.checkpoint.origin} at size ${b.checkpoint.size}`,
    );
    record(
      'inclusion',
      verifyEvents(b, cp.checkpoint),
      `${b.events.length} events proven in the signed tree`,
    );
  } else {
    record('checkpoint', [cp.problem], '');
    skip('inclusion', 'the checkpoint is not trusted');
  }
  record('membership', checkMembership(b), 'every event is about this approval and agrees with it');
  record('approval', checkApproval(b), 'hashes recompute; decisions match the action');
  record('state', checkState(b), `the events end in ${b.approval.state}`);
  const credentialProblems = await verifyBundleCredential(b, options);
  if (b.credential?.token === undefined && b.credential && credentialProblems.length === 0) {
    // not a failure: the bundle's reader may not hold a live credential (docs/evidence.md)
    skip(
      'credential',
      `signature check withheld: ${b.credential.withheld ?? 'the token is not in the bundle'}; ` +
        'its claims and the log agree (digest ' +
        `${b.credential.tokenDigest ?? 'not stated'})`,
    );
  } else {
    record(
      'credential',
      credentialProblems,
      b.credential ? 'verifies for the approved action at its issue time' : 'none issued',
    );
  }
  return problems.length === 0
    ? { ok: true, summary: summarize(b, options), checks }
    : { ok: false, problems, checks };
}
