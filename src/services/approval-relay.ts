/**
 * Cross-replica wake-ups: a ChangeHook that asks the store to announce each change to every
 * replica (PostgreSQL NOTIFY, delivered on COMMIT), and a relay that turns announcements from any
 * replica into local EventBus publications, so a waiter on this replica hears a change made on
 * another. Each announcement is re-read from the store (committed data only) before it is
 * published, marked as relayed; versions this replica already published (its own changes) are
 * skipped, and a duplicate that slips through is harmless because waiters check the state they
 * are given. An announcement nobody here listens for (no stream of every change, no waiter on
 * that request) is not read at all: a replica then costs the others nothing per change. A waiter
 * that subscribes later reads the request again once subscribed (long-poll, SSE), so it misses
 * nothing committed before.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Store } from '../store/port.js';
import type { ApprovalChangeEvent, ChangeHook } from './ports.js';
import type { EventBus } from './event-bus.js';

/** Runs several hooks in order, in the same transaction. */
export function composeChangeHooks(...hooks: readonly (ChangeHook | null)[]): ChangeHook | null {
  const present = hooks.filter((h): h is ChangeHook => h !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0] ?? null;
  return {
    async onChange(tx, approval, event) {
      for (const h of present) await h.onChange(tx, approval, event);
    },
  };
}

/** Announces every change through the store, where the store can (no-op on SQLite). */
export const announceChangeHook: ChangeHook = {
  async onChange(tx, approval, event) {
    if (tx.notifyApprovalChanged) await tx.notifyApprovalChanged(approval, event);
  },
};

export interface ApprovalNoticeIn {
  id: string;
  version: number;
  event: string;
}

export interface ApprovalRelay {
  /** One announcement from any replica (this one included). */
  onNotice(notice: ApprovalNoticeIn): void;
  /** Announcements may have been lost (listener reconnected): re-check every watched request. */
  recheckWatched(): void;
  /** Resolves when every re-read started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

const SEEN_LIMIT = 10_000;

/** The change name a request in this state announces, when the original name is not known. */
function eventForState(a: ApprovalRequest): ApprovalChangeEvent {
  if (a.state === 'pending') return a.version <= 1 ? 'requested' : 'reviewed';
  if (a.state === 'approved') return a.breakGlass ? 'break_glass' : 'approved';
  return a.state;
}

export function createApprovalRelay(deps: {
  store: Pick<Store, 'getApproval'>;
  bus: EventBus;
  onError?: (err: unknown) => void;
}): ApprovalRelay {
  // newest version published on this replica, per request (insertion order = eviction order)
  const seen = new Map<string, number>();
  const remember = (id: string, version: number) => {
    if ((seen.get(id) ?? -1) >= version) return;
    seen.delete(id);
    seen.set(id, version);
    if (seen.size > SEEN_LIMIT) {
      const oldest = seen.keys().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
  };
  const off = deps.bus.onOwnApproval((c) => remember(c.approval.id, c.approval.version));
  const inflight = new Set<Promise<void>>();
  let stopped = false;

  const refresh = (id: string, notice: ApprovalNoticeIn | null) => {
    if (stopped) return;
    if (notice && (seen.get(id) ?? -1) >= notice.version) return; // published here already
    if (!deps.bus.hearsRelayed(id)) return; // nobody here to tell
    const p = deps.store
      .getApproval(id)
      .then((current) => {
        if (stopped || !current) return;
        if ((seen.get(id) ?? -1) >= current.version) return;
        const event =
          notice && current.version === notice.version ? notice.event : eventForState(current);
        remember(id, current.version);
        deps.bus.publishApproval({ approval: current, event, relayed: true });
      })
      .catch((err: unknown) => deps.onError?.(err))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  return {
    onNotice: (n) => refresh(n.id, n),
    recheckWatched: () => {
      for (const id of deps.bus.watchedIds()) refresh(id, null);
    },
    idle: async () => {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    stop: () => {
      stopped = true;
      off();
    },
  };
}
