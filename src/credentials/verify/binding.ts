/**
 * Rows 5–11 of docs/domain.md §4: does a validly signed credential cover this action, now?
 * Runs on claims whose signature and shape already hold.
 */
import type { ActionMode } from '../../domain/action.js';
import { computeSpecHash } from './spec-hash.js';
import { MESSAGES } from './messages.js';
import { fail, type ActionInput, type CredentialClaims, type VerifyFailure } from './types.js';

/** The bound fields of the action, checked and normalised once per verification. */
export interface BoundAction {
  kind: string;
  mode: ActionMode;
  target: string | null;
  project: string;
  environment: string;
  specHash: string;
  configHash: string | null;
  capabilities: readonly string[];
}

export interface BindingContext {
  /** Seconds since the epoch (fractional). */
  now: number;
  clockSkew: number;
  maxLifetime: number;
  required: readonly string[];
  expectedPosture: string | undefined;
}

const HASH_REF = /^sha256:[0-9a-f]{64}$/;

function requireText(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${path} must be a non-empty string`);
  }
  return value;
}

function optionalText(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : requireText(value, path);
}

function requireTextList(value: unknown, path: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${path} must be an array of strings`);
  }
  return value as string[];
}

function actionSpecHash(action: ActionInput): string {
  const declared = optionalText(action.specHash, 'action.specHash');
  if (declared !== null && !HASH_REF.test(declared)) {
    throw new TypeError('action.specHash must be "sha256:" followed by 64 lowercase hex digits');
  }
  if (action.spec === undefined) {
    if (declared === null) throw new TypeError('action needs spec or specHash');
    return declared;
  }
  const computed = computeSpecHash(action.spec);
  if (declared !== null && declared !== computed) {
    throw new TypeError('action.specHash is not the hash of action.spec');
  }
  return computed;
}

/** Caller misuse (an action that is not an action) is a TypeError, never a verification code. */
export function prepareAction(action: ActionInput): BoundAction {
  if (typeof action !== 'object' || action === null)
    throw new TypeError('action must be an object');
  const mode = action.mode ?? 'execute';
  if (mode !== 'execute' && mode !== 'dry-run') {
    throw new TypeError('action.mode must be "execute" or "dry-run"');
  }
  const configHash = optionalText(action.configHash, 'action.configHash');
  return {
    kind: requireText(action.kind, 'action.kind'),
    mode,
    target: optionalText(action.target, 'action.target'),
    project: requireText(action.project, 'action.project'),
    environment: requireText(action.environment, 'action.environment'),
    specHash: actionSpecHash(action),
    configHash,
    capabilities: requireTextList(action.capabilities, 'action.capabilities'),
  };
}

function mismatch(
  code: 'action_mismatch' | 'scope_mismatch' | 'spec_hash_mismatch' | 'config_hash_mismatch',
  message: string,
  field: string,
  credential: unknown,
  action: unknown,
): VerifyFailure {
  return fail(code, message, { field, credential, action });
}

function checkAction(claims: CredentialClaims, action: BoundAction): VerifyFailure | undefined {
  const c = claims.action;
  if (c.kind !== action.kind) {
    return mismatch('action_mismatch', MESSAGES.actionKind, 'kind', c.kind, action.kind);
  }
  if (c.mode !== action.mode) {
    return mismatch('action_mismatch', MESSAGES.actionMode, 'mode', c.mode, action.mode);
  }
  const target = c.target ?? null;
  if (target !== action.target) {
    return mismatch('action_mismatch', MESSAGES.actionTarget, 'target', target, action.target);
  }
  if (claims.project !== action.project) {
    return mismatch('scope_mismatch', MESSAGES.scope, 'project', claims.project, action.project);
  }
  if (claims.spec_hash !== action.specHash) {
    const [credential, actual] = [claims.spec_hash, action.specHash];
    return mismatch('spec_hash_mismatch', MESSAGES.specHash, 'specHash', credential, actual);
  }
  // A credential without config_hash was approved for an action without one: both must agree.
  const configHash = claims.config_hash ?? null;
  if (configHash !== action.configHash) {
    const actual = action.configHash;
    return mismatch('config_hash_mismatch', MESSAGES.configHash, 'configHash', configHash, actual);
  }
  return undefined;
}

function checkTime(claims: CredentialClaims, ctx: BindingContext): VerifyFailure | undefined {
  const lifetime = claims.exp - claims.iat;
  if (lifetime > ctx.maxLifetime) {
    return fail('credential_malformed', MESSAGES.lifetimeTooLong, {
      lifetime,
      maxLifetime: ctx.maxLifetime,
    });
  }
  if (ctx.now < claims.nbf - ctx.clockSkew) {
    return fail('not_yet_valid', MESSAGES.notYetValid, { nbf: claims.nbf });
  }
  // The skew never extends exp: a credential is dead at exp, whatever the clocks say.
  if (ctx.now >= claims.exp) return fail('expired', MESSAGES.expired, { exp: claims.exp });
  return undefined;
}

export function checkBinding(
  claims: CredentialClaims,
  action: BoundAction,
  ctx: BindingContext,
): VerifyFailure | undefined {
  const actionFailure = checkAction(claims, action);
  if (actionFailure !== undefined) return actionFailure;
  if (claims.env !== action.environment) {
    return fail('environment_mismatch', MESSAGES.environment, {
      field: 'environment',
      credential: claims.env,
      action: action.environment,
    });
  }
  if (ctx.expectedPosture !== undefined && claims.posture !== ctx.expectedPosture) {
    return fail('posture_mismatch', MESSAGES.posture, {
      field: 'posture',
      credential: claims.posture,
      expected: ctx.expectedPosture,
    });
  }
  const timeFailure = checkTime(claims, ctx);
  if (timeFailure !== undefined) return timeFailure;
  const missing = ctx.required.filter((capability) => !claims.cap.includes(capability));
  if (missing.length > 0) {
    return fail('insufficient_capabilities', MESSAGES.capabilities, {
      missing: [...new Set(missing)].sort(),
    });
  }
  return undefined;
}
