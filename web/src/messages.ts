/** What each API error code means to the person at the console. */
import { ApiError } from './api.js';

const MEANING: Record<string, string> = {
  unauthenticated: 'You are not signed in, or your sign-in has expired. Sign in again.',
  forbidden: 'You are not allowed to do this.',
  not_eligible: 'You are not in an approver group of this request.',
  self_approval: 'You requested this action, so you cannot review it.',
  already_reviewed: 'You have already reviewed this request: nothing was changed.',
  approval_not_pending:
    'This request was already decided or has expired: nothing was changed. The page now shows its current state.',
  approval_not_approved: 'This request is not approved.',
  credential_not_ready: 'No credential is available for this request yet.',
  not_found: 'Not found.',
  validation_failed: 'Some fields are missing or invalid.',
  approver_group_not_allowed: 'That approver group is not one policy allows for this action.',
  break_glass_not_allowed: 'Policy does not allow break-glass in this environment.',
  payload_too_large: 'The request is too large.',
  rate_limited: 'Too many requests: wait a minute and try again.',
  internal: 'The server failed. Try again; if it keeps failing, tell the operators.',
  network: 'The server could not be reached. Check your connection and try again.',
};

/** Why the viewer cannot review (`cannotReviewReason`). */
export const CANNOT_REVIEW: Record<string, string> = {
  self_approval: 'You cannot review this request: you requested it (separation of duties).',
  not_eligible: 'You cannot review this request: you are not in any of its approver groups.',
  already_reviewed: 'You have already reviewed this request.',
  approval_not_pending: 'This request is no longer pending: it has been decided or has expired.',
  forbidden: 'You cannot review: your sign-in does not carry the approvals:review scope.',
};

export function explain(err: unknown): { title: string; text: string; fields: string[] } {
  if (err instanceof ApiError) {
    const meaning = MEANING[err.code] ?? err.detail;
    const title = err.status === 0 ? 'Network error' : `${err.status} ${err.code}`;
    const extra = err.detail && err.detail !== meaning ? ` (${err.detail})` : '';
    return {
      title,
      text: `${meaning}${extra}`,
      fields: err.errors.map((e) => `${e.path}: ${e.message}`),
    };
  }
  return { title: 'Error', text: err instanceof Error ? err.message : String(err), fields: [] };
}
