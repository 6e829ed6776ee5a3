/**
 * Slack interactivity: button clicks (`block_actions`) and modal submissions (`view_submission`)
 * posted by Slack to `/v1/integrations/slack/interactions`.
 *
 * Order of checks, each before the next: the v0 signature over the raw body (and its timestamp
 * window), then the replay guard (the signature is remembered in the database for the window,
 * so a replay to any replica is refused), and only then is the body parsed. A request failing
 * any of them is answered 401 and changes nothing. A click opens a modal for the reason; the
 * submission records the review through the review service as the mapped principal, so
 * separation of duties, quorum, deny-wins and break-glass rules apply as over the API.
 */
import type { RbacConfig, SlackProviderConfig } from '../config/config-types.js';
import type { ApprovalRequest } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { AuthError, InputError, isCountersignError } from '../errors/index.js';
import { isoAt, type Clock } from '../lib/clock.js';
import { viewApproval } from './read-service.js';
import type { ReviewService } from './review-service.js';
import type { Store } from '../store/port.js';
import {
  APPROVE_ACTION,
  DENY_ACTION,
  REVIEW_CALLBACK,
  requiresConsole,
  reviewModal,
  type ReviewModalMetadata,
} from '../notify/payloads/slack-app.js';
import type { SecretLookup } from '../notify/request-spec.js';
import { consoleLink } from '../notify/summary.js';
import { resolveSlackPrincipal, type SlackUser } from '../notify/slack/identity.js';
import { verifySlackSignature } from '../notify/slack/signature.js';
import { createSlackApi, type SlackApi } from '../notify/slack/web-api.js';

export interface SlackInteractionDeps {
  readonly store: Pick<Store, 'getApproval' | 'transaction'>;
  readonly reviews: Pick<ReviewService, 'approve' | 'deny'>;
  readonly slack: SlackProviderConfig;
  readonly rbac: RbacConfig;
  readonly secrets: SecretLookup;
  readonly clock: Clock;
  /** `server.publicUrl`, for console links. */
  readonly consoleUrl: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface SlackRequest {
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: string;
}

/** What to answer Slack: 200 with this JSON body, or an empty 200 (`null`). */
export interface SlackAnswer {
  readonly body: object | null;
  /** For the log: what happened (never a secret). */
  readonly outcome: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function userOf(payload: Obj): SlackUser | null {
  const u = obj(payload.user);
  const id = str(u.id);
  const teamId = str(obj(payload.team).id) ?? str(u.team_id);
  if (!id || !teamId) return null;
  return { id, teamId, name: str(u.username) ?? str(u.name) ?? id };
}

function parsePayload(rawBody: string): Obj {
  const text = new URLSearchParams(rawBody).get('payload');
  if (text === null) throw new InputError('validation_failed', 'the body has no payload field');
  try {
    return obj(JSON.parse(text));
  } catch {
    throw new InputError('validation_failed', 'the payload field is not JSON');
  }
}

const REFUSAL_TEXT: Readonly<Record<string, string>> = {
  approval_not_pending: 'This request is no longer pending.',
  self_approval: 'You requested this, so you cannot review it.',
  already_reviewed: 'You have already reviewed this request.',
  not_eligible: 'You are not in an approver group of this request.',
  forbidden: 'You may not review requests.',
};

export function createSlackInteractions(deps: SlackInteractionDeps) {
  const interactive = deps.slack.interactive;
  if (interactive === null) throw new TypeError('slack.interactive is not configured');
  const cfg = interactive;

  function api(): SlackApi {
    const token = deps.secrets(deps.slack.botTokenEnv ?? '') ?? '';
    return createSlackApi(deps.slack.apiUrl, token, {
      timeoutMs: deps.timeoutMs ?? 10_000,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  }

  /** Signature, window and replay guard; throws 401 before anything is parsed. */
  async function authenticate(req: SlackRequest): Promise<void> {
    const nowMs = deps.clock.now();
    const check = verifySlackSignature({
      secret: deps.secrets(cfg.signingSecretEnv) ?? '',
      timestamp: req.timestamp,
      signature: req.signature,
      rawBody: req.rawBody,
      nowMs,
      toleranceMs: cfg.toleranceMs,
    });
    if (check !== 'ok') {
      throw new AuthError('unauthenticated', `Slack request signature ${check}`);
    }
    const fresh = await deps.store.transaction((tx) =>
      tx.rememberSignature(
        req.signature as string,
        isoAt(nowMs),
        isoAt(nowMs - 2 * cfg.toleranceMs),
      ),
    );
    if (!fresh) throw new AuthError('unauthenticated', 'Slack request replayed');
  }

  async function ephemeral(payload: Obj, user: SlackUser, text: string): Promise<void> {
    const channel = str(obj(payload.channel).id) ?? str(obj(payload.container).channel_id);
    if (!channel) return;
    await api().post('chat.postEphemeral', { channel, user: user.id, text });
  }

  /** Why `principal` may not cast `verdict` on `approval` now, or null. */
  function refusalOf(
    approval: ApprovalRequest,
    principal: Principal,
    verdict: 'approve' | 'deny',
  ): string | null {
    const view = viewApproval(approval, principal, deps.clock.now(), deps.rbac);
    if (view.cannotReviewReason !== null) return view.cannotReviewReason;
    return view.reviewVerdicts.includes(verdict) ? null : 'not_eligible';
  }

  function stepUpText(approval: ApprovalRequest): string {
    return `This request must be reviewed in the Countersign console (sign-in required): ${consoleLink(deps.consoleUrl, approval.id)}`;
  }

  async function onAction(payload: Obj): Promise<SlackAnswer> {
    const action = obj((payload.actions as unknown[] | undefined)?.[0]);
    const actionId = str(action.action_id);
    if (actionId !== APPROVE_ACTION && actionId !== DENY_ACTION) {
      return { body: null, outcome: 'ignored' };
    }
    const verdict = actionId === APPROVE_ACTION ? 'approve' : 'deny';
    const user = userOf(payload);
    const approvalId = str(action.value);
    if (!user || !approvalId)
      throw new InputError('validation_failed', 'the action names no user or request');
    const approval = await deps.store.getApproval(approvalId);
    if (!approval) {
      await ephemeral(payload, user, 'This request no longer exists.');
      return { body: null, outcome: 'not_found' };
    }
    if (requiresConsole(approval, cfg)) {
      await ephemeral(payload, user, stepUpText(approval));
      return { body: null, outcome: 'console_required' };
    }
    const principal = await resolveSlackPrincipal(user, cfg, deps.rbac, api());
    if (principal === null) {
      await ephemeral(
        payload,
        user,
        'You are not eligible to review requests from Slack (your Slack account is not mapped to a Countersign identity).',
      );
      return { body: null, outcome: 'unmapped' };
    }
    const refusal = refusalOf(approval, principal, verdict);
    if (refusal !== null) {
      await ephemeral(payload, user, `Not eligible: ${REFUSAL_TEXT[refusal] ?? refusal}`);
      return { body: null, outcome: refusal };
    }
    const triggerId = str(payload.trigger_id);
    if (!triggerId) throw new InputError('validation_failed', 'the action has no trigger_id');
    const opened = await api().post('views.open', {
      trigger_id: triggerId,
      view: reviewModal(approval, verdict),
    });
    return {
      body: null,
      outcome: opened.ok ? 'modal_opened' : `modal_failed:${opened.error ?? ''}`,
    };
  }

  function metadataOf(view: Obj): ReviewModalMetadata | null {
    try {
      const m = obj(JSON.parse(str(view.private_metadata) ?? ''));
      const approvalId = str(m.approvalId);
      const verdict = m.verdict === 'approve' || m.verdict === 'deny' ? m.verdict : null;
      return approvalId && verdict ? { approvalId, verdict } : null;
    } catch {
      return null;
    }
  }

  function inputValue(view: Obj, block: string): string {
    const values = obj(obj(obj(view.state).values)[block]);
    return (str(obj(values[block]).value) ?? '').trim();
  }

  const fieldError = (text: string, outcome: string): SlackAnswer => ({
    body: { response_action: 'errors', errors: { reason: text } },
    outcome,
  });

  async function onSubmission(payload: Obj): Promise<SlackAnswer> {
    const view = obj(payload.view);
    if (str(view.callback_id) !== REVIEW_CALLBACK) return { body: null, outcome: 'ignored' };
    const meta = metadataOf(view);
    const user = userOf(payload);
    if (!meta || !user) throw new InputError('validation_failed', 'the submission is not a review');
    const reason = inputValue(view, 'reason');
    const externalRef = inputValue(view, 'external_ref');
    if (reason === '' || reason.length > 2000)
      return fieldError('Give a reason (at most 2000 characters).', 'invalid_reason');
    if (externalRef.length > 256) {
      return {
        body: { response_action: 'errors', errors: { external_ref: 'At most 256 characters.' } },
        outcome: 'invalid_ref',
      };
    }
    const approval = await deps.store.getApproval(meta.approvalId);
    if (!approval) return fieldError('This request no longer exists.', 'not_found');
    if (requiresConsole(approval, cfg)) return fieldError(stepUpText(approval), 'console_required');
    const principal = await resolveSlackPrincipal(user, cfg, deps.rbac, api());
    if (principal === null)
      return fieldError('Your Slack account is not mapped to a Countersign identity.', 'unmapped');
    const body = { reason, ...(externalRef ? { externalRef } : {}), via: 'slack' as const };
    try {
      if (meta.verdict === 'approve') await deps.reviews.approve(principal, approval.id, body);
      else await deps.reviews.deny(principal, approval.id, body);
    } catch (err) {
      if (!isCountersignError(err)) throw err;
      return fieldError(REFUSAL_TEXT[err.code] ?? err.message, err.code);
    }
    // an empty 200 closes the modal; the message is updated through the outbox
    return { body: null, outcome: `reviewed:${meta.verdict}` };
  }

  return {
    /** Handles one signed request; throws AuthError (401) or InputError (400). */
    async handle(req: SlackRequest): Promise<SlackAnswer> {
      await authenticate(req);
      const payload = parsePayload(req.rawBody);
      const team = str(obj(payload.team).id) ?? str(obj(payload.user).team_id);
      if (cfg.teamId !== null && team !== cfg.teamId) {
        throw new AuthError('unauthenticated', 'Slack request from another workspace');
      }
      switch (payload.type) {
        case 'block_actions':
          return onAction(payload);
        case 'view_submission':
          return onSubmission(payload);
        default:
          return { body: null, outcome: 'ignored' };
      }
    },
  };
}

export type SlackInteractions = ReturnType<typeof createSlackInteractions>;
