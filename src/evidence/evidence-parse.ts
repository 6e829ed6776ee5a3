/**
 * Structural checks of an evidence bundle before any verification. The bundle is a file someone
 * handed us: attacker-controlled: parse defensively. Every bad field path is collected, then
 * reported once; nothing here throws for bad input, and every string, array and number is bounded.
 */
import { APPROVAL_STATES } from '../domain/approval.js';
import type { EvidenceBundle } from './evidence-types.js';
import { EVIDENCE_SCHEMA } from './evidence-types.js';

export interface FieldProblem {
  path: string;
  message: string;
}

const MAX_EVENTS = 10_000;
const MAX_PROOF = 64;
const MAX_DECISIONS = 256;
const MAX_TOKEN = 16 * 1024;
const MAX_NOTE = 64 * 1024;
const MAX_ID = 256;
const HEX64 = /^[0-9a-f]{64}$/;

type Obj = Record<string, unknown>;

class Checker {
  readonly problems: FieldProblem[] = [];

  fail(path: string, message: string): void {
    // enough to name what is wrong without echoing a hostile file back
    if (this.problems.length < 50) this.problems.push({ path, message });
  }

  object(value: unknown, path: string): Obj | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Obj;
    this.fail(path, 'must be an object');
    return undefined;
  }

  string(o: Obj, key: string, path: string, max = MAX_ID): string | undefined {
    const v = o[key];
    if (typeof v === 'string' && v.length <= max) return v;
    this.fail(`${path}/${key}`, `must be a string of at most ${max} characters`);
    return undefined;
  }

  optionalString(o: Obj, key: string, path: string, max = MAX_ID): void {
    if (o[key] !== undefined && o[key] !== null) this.string(o, key, path, max);
  }

  strings(o: Obj, key: string, path: string, max = MAX_DECISIONS): void {
    const v = o[key];
    if (
      !Array.isArray(v) ||
      v.length > max ||
      v.some((s) => typeof s !== 'string' || s.length > MAX_ID)
    ) {
      this.fail(`${path}/${key}`, `must be an array of at most ${max} strings`);
    }
  }

  array(o: Obj, key: string, path: string, max: number): unknown[] | undefined {
    const v = o[key];
    if (Array.isArray(v) && v.length <= max) return v;
    this.fail(`${path}/${key}`, `must be an array of at most ${max} items`);
    return undefined;
  }

  index(o: Obj, key: string, path: string): void {
    const v = o[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      this.fail(`${path}/${key}`, 'must be a non-negative integer');
    }
  }

  hex(value: unknown, path: string): void {
    if (typeof value !== 'string' || !HEX64.test(value)) {
      this.fail(path, 'must be 64 lower-case hex digits');
    }
  }
}

function checkDecision(c: Checker, value: unknown, path: string): void {
  const d = c.object(value, path);
  if (!d) return;
  c.string(d, 'decisionId', path);
  c.string(d, 'actionHash', path);
  c.string(d, 'policySnapshot', path);
  c.strings(d, 'requiredCapabilities', path);
  if (d.posture !== null) c.string(d, 'posture', path);
}

function checkApproval(c: Checker, value: unknown): void {
  const a = c.object(value, '/approval');
  if (!a) return;
  c.string(a, 'id', '/approval');
  if (!APPROVAL_STATES.includes(a.state as never)) {
    c.fail('/approval/state', `must be one of ${APPROVAL_STATES.join(', ')}`);
  }
  c.string(a, 'actionHash', '/approval');
  const action = c.object(a.action, '/approval/action');
  if (action) {
    for (const k of ['kind', 'mode', 'environment', 'project', 'specHash']) {
      c.string(action, k, '/approval/action');
    }
    c.optionalString(action, 'target', '/approval/action', 4096);
    c.optionalString(action, 'configHash', '/approval/action');
    c.strings(action, 'capabilities', '/approval/action');
  }
  checkDecision(c, a.decision, '/approval/decision');
  const reviews = c.array(a, 'reviews', '/approval', MAX_DECISIONS) ?? [];
  reviews.forEach((r, i) => {
    const review = c.object(r, `/approval/reviews/${i}`);
    if (review && review.verdict !== 'approve' && review.verdict !== 'deny') {
      c.fail(`/approval/reviews/${i}/verdict`, 'must be approve or deny');
    }
  });
  if (a.breakGlass !== null) c.object(a.breakGlass, '/approval/breakGlass');
  if (a.attachedDecisions !== undefined) c.strings(a, 'attachedDecisions', '/approval');
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The token, or (withheld) its claims, digest and the reason; a stated digest is well-formed. */
function checkCredentialToken(c: Checker, cred: Obj): void {
  const path = '/credential';
  if (
    cred.tokenDigest !== undefined &&
    (typeof cred.tokenDigest !== 'string' || !DIGEST.test(cred.tokenDigest))
  ) {
    c.fail(`${path}/tokenDigest`, 'must be sha256: and 64 lower-case hex digits');
  }
  if (cred.token !== undefined) {
    c.string(cred, 'token', path, MAX_TOKEN);
    return;
  }
  // withheld: what the bundle says instead of the token
  c.string(cred, 'withheld', path, MAX_NOTE);
  if (cred.tokenDigest === undefined)
    c.fail(`${path}/tokenDigest`, 'is required when the token is withheld');
  c.object(cred.claims, `${path}/claims`);
}

function checkEvents(c: Checker, b: Obj): void {
  const events = c.array(b, 'events', '', MAX_EVENTS) ?? [];
  const seen = new Set<number>();
  events.forEach((value, i) => {
    const path = `/events/${i}`;
    const e = c.object(value, path);
    if (!e) return;
    c.index(e, 'index', path);
    if (seen.has(e.index as number)) c.fail(`${path}/index`, 'is listed twice');
    seen.add(e.index as number);
    const event = c.object(e.event, `${path}/event`);
    if (event) c.string(event, 'type', `${path}/event`);
    c.hex(e.leafHash, `${path}/leafHash`);
    const proof = c.array(e, 'proof', path, MAX_PROOF) ?? [];
    proof.forEach((p, j) => c.hex(p, `${path}/proof/${j}`));
  });
}

/** The bundle, typed, or every structural problem found. */
export function parseEvidenceBundle(
  input: unknown,
): { ok: true; bundle: EvidenceBundle } | { ok: false; problems: FieldProblem[] } {
  const c = new Checker();
  const b = c.object(input, '');
  if (!b) return { ok: false, problems: c.problems };
  if (b.schema !== EVIDENCE_SCHEMA) c.fail('/schema', `must be ${EVIDENCE_SCHEMA}`);
  c.string(b, 'generatedAt', '');
  checkApproval(c, b.approval);
  checkDecision(c, b.decision, '/decision');
  const attached = c.array(b, 'attachedDecisions', '', MAX_DECISIONS) ?? [];
  attached.forEach((d, i) => checkDecision(c, d, `/attachedDecisions/${i}`));
  if (b.credential !== null) {
    const cred = c.object(b.credential, '/credential');
    if (cred) {
      checkCredentialToken(c, cred);
      for (const k of ['kid', 'jti', 'issuedAt', 'expiresAt']) c.string(cred, k, '/credential');
    }
  }
  checkEvents(c, b);
  const cp = c.object(b.checkpoint, '/checkpoint');
  if (cp) {
    c.string(cp, 'origin', '/checkpoint');
    c.index(cp, 'size', '/checkpoint');
    c.hex(cp.rootHash, '/checkpoint/rootHash');
    c.string(cp, 'note', '/checkpoint', MAX_NOTE);
  }
  return c.problems.length > 0
    ? { ok: false, problems: c.problems }
    : { ok: true, bundle: input as EvidenceBundle };
}
