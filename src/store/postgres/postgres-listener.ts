/**
 * Change notices across replicas: every request change runs `pg_notify` on
 * `countersign_approvals` inside its transaction (PostgreSQL delivers it only on COMMIT), and each
 * replica keeps one dedicated connection LISTENing on that channel. The connection is not from
 * the pool (a pooled client is returned and reused; LISTEN must stay on one session). When it
 * drops (PostgreSQL restarts or fails over), it reconnects with capped exponential backoff and
 * reports the reconnect, because notices sent while it was away are lost: callers re-check then.
 */
import pg from 'pg';

export const APPROVALS_CHANNEL = 'countersign_approvals';

/** What a notice says: which request, which committed version, which change. */
export interface ApprovalNotice {
  id: string;
  version: number;
  event: string;
}

export function encodeApprovalNotice(n: ApprovalNotice): string {
  return JSON.stringify({ id: n.id, version: n.version, event: n.event });
}

/** The notice in a payload, or null for anything else (a payload is never trusted to parse). */
export function decodeApprovalNotice(payload: string | undefined): ApprovalNotice | null {
  if (payload === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '' || v.id.length > 200) return null;
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version)) return null;
  if (typeof v.event !== 'string' || v.event.length > 64) return null;
  return { id: v.id, version: v.version, event: v.event };
}

export interface ApprovalListenerOptions {
  url: string;
  onNotice: (notice: ApprovalNotice) => void;
  /** Called after every successful LISTEN but the first: notices may have been missed. */
  onReconnect?: () => void;
  onError?: (err: unknown) => void;
  /** First reconnect delay; doubled per failure up to `maxBackoffMs`. Default 100 ms. */
  minBackoffMs?: number;
  /** Default 5 s. */
  maxBackoffMs?: number;
  random?: () => number;
  /** Shown in pg_stat_activity. Default `countersign-listener`. */
  applicationName?: string;
}

export interface ApprovalListener {
  /** Resolves once the first LISTEN is in place (or rejects when the first connect fails). */
  readonly ready: Promise<void>;
  /** Whether a LISTEN session is up now. */
  connected(): boolean;
  stop(): Promise<void>;
}

/** Starts listening; keeps reconnecting until `stop()`. */
export function startApprovalListener(opts: ApprovalListenerOptions): ApprovalListener {
  const minMs = opts.minBackoffMs ?? 100;
  const maxMs = opts.maxBackoffMs ?? 5000;
  const random = opts.random ?? Math.random;
  let client: pg.Client | null = null;
  let up = false;
  let stopped = false;
  let failures = 0;
  let sessions = 0;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== APPROVALS_CHANNEL) return;
    const notice = decodeApprovalNotice(msg.payload);
    if (notice) opts.onNotice(notice);
  };

  const drop = (c: pg.Client, err?: unknown) => {
    if (client !== c) return; // an old session reporting late
    client = null;
    up = false;
    c.removeListener('notification', onNotification);
    c.end().catch(() => undefined);
    if (err !== undefined) opts.onError?.(err);
    schedule();
  };

  const schedule = () => {
    if (stopped || timer) return;
    const base = Math.min(maxMs, minMs * 2 ** Math.min(failures, 16));
    failures++;
    // full jitter on the upper half, so replicas that lost PostgreSQL together do not return together
    const delay = Math.round(base / 2 + (random() * base) / 2);
    timer = setTimeout(() => {
      timer = undefined;
      void connect().catch(() => undefined);
    }, delay);
    timer.unref();
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    const c = new pg.Client({
      connectionString: opts.url,
      keepAlive: true,
      application_name: opts.applicationName ?? 'countersign-listener',
    });
    client = c;
    // errors and ends after connect (server restart, failover, network) lead to a reconnect
    c.on('error', (err) => drop(c, err));
    c.on('end', () => drop(c));
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${APPROVALS_CHANNEL}`);
    } catch (err) {
      drop(c, err);
      throw err;
    }
    if (stopped || client !== c) {
      await c.end().catch(() => undefined);
      return;
    }
    up = true;
    failures = 0;
    sessions++;
    if (sessions > 1) opts.onReconnect?.();
  }

  const ready = connect();
  // the first failure is reported through `ready`; the retry loop runs regardless
  ready.catch(() => undefined);

  return {
    ready,
    connected: () => up,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const c = client;
      client = null;
      up = false;
      if (c) {
        c.removeListener('notification', onNotification);
        await c.end().catch(() => undefined);
      }
    },
  };
}
