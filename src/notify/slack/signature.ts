/**
 * Slack request signing (v0): `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of
 * `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the app's signing secret. Checked on the
 * raw bytes before anything else is parsed; a timestamp outside the window is refused so a
 * captured request cannot be replayed later (the replay guard covers the window itself).
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../../lib/compare.js';

export type SlackSignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

/** `v0=<hex>` for this timestamp and body. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8');
  return `v0=${mac.digest('hex')}`;
}

export interface SlackSignatureInput {
  readonly secret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: string;
  readonly nowMs: number;
  /** How far the timestamp may be from now, either way. */
  readonly toleranceMs: number;
}

export function verifySlackSignature(i: SlackSignatureInput): SlackSignatureCheck {
  if (!i.timestamp || !i.signature || i.secret === '') return 'missing';
  if (!/^[0-9]{1,12}$/.test(i.timestamp)) return 'missing';
  const ageMs = Math.abs(i.nowMs - Number(i.timestamp) * 1000);
  if (ageMs > i.toleranceMs) return 'stale';
  const expected = slackSignature(i.secret, i.timestamp, i.rawBody);
  return constantTimeEqual(expected, i.signature) ? 'ok' : 'mismatch';
}
