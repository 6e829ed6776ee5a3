/** Standard Webhooks signing for webhook and callback deliveries. */
import { Webhook } from 'standardwebhooks';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface SignOptions {
  /** Message id, the same on every retry so receivers can de-duplicate. */
  readonly id: string;
  /** When this attempt is sent (receivers reject old timestamps): a Date or epoch milliseconds. */
  readonly timestamp: Date | number;
  /** `whsec_` followed by base64 (the prefix is optional). */
  readonly secret: string;
}

/**
 * The three Standard Webhooks headers for `payloadText`, the exact bytes that will be sent.
 * Errors never include the secret.
 */
export function signWebhook(payloadText: string, options: SignOptions): WebhookHeaders {
  const { id, secret } = options;
  if (id === '' || /[\s,]/.test(id)) {
    throw new TypeError('signWebhook: id must be non-empty without spaces or commas');
  }
  const timestamp = new Date(options.timestamp);
  if (Number.isNaN(timestamp.getTime())) {
    throw new TypeError('signWebhook: timestamp must be a valid time');
  }
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    // The library's message may quote the input; ours does not.
    throw new TypeError('signWebhook: secret must be whsec_ followed by base64');
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': webhook.sign(id, timestamp, payloadText),
  };
}
