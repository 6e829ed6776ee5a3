/**
 * In-process notifications of committed changes, for waiters (long-poll, SSE) and workers.
 * Published only after COMMIT, so a listener never sees a change that rolled back.
 */
import { EventEmitter } from 'node:events';
import type { ApprovalRequest } from '../domain/approval.js';

export interface ApprovalChanged {
  approval: ApprovalRequest;
  event: string;
  /** Committed on another replica and relayed here (approval-relay.ts); absent on its own. */
  relayed?: true;
}

/** The emitter's name for this replica's own changes (ids are never heard under it). */
const OWN = 'own-approval';

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publishApproval(change: ApprovalChanged): void {
    this.emitter.emit('approval', change);
    this.emitter.emit(`approval:${change.approval.id}`, change);
    if (!change.relayed) this.emitter.emit(OWN, change);
  }
  /** Every change this process hears (its own and, with replicas, relayed), or one request's. */
  onApproval(listener: (c: ApprovalChanged) => void, id?: string): () => void {
    return this.listen(id === undefined ? 'approval' : `approval:${id}`, listener);
  }
  /**
   * Only the changes this replica committed: for what each replica does or counts once per
   * change of its own (counters summed over replicas, workers kicked by their own writes).
   */
  onOwnApproval(listener: (c: ApprovalChanged) => void): () => void {
    return this.listen(OWN, listener);
  }
  /**
   * Whether a change committed on another replica would reach anyone here: a listener for every
   * change or for this request. Nobody else needs it relayed.
   */
  hearsRelayed(id: string): boolean {
    return (
      this.emitter.listenerCount('approval') > 0 || this.emitter.listenerCount(`approval:${id}`) > 0
    );
  }
  private listen(name: string, listener: (c: ApprovalChanged) => void): () => void {
    // listeners run inside the request that committed the change: one that throws (a closed
    // stream, a bad render) must never turn that committed change into an error answer
    const safe = (c: ApprovalChanged) => {
      try {
        listener(c);
      } catch (err) {
        this.emitter.emit('listenerError', err);
      }
    };
    this.emitter.on(name, safe);
    return () => this.emitter.off(name, safe);
  }
  /** Requests someone on this process is waiting on (has a per-request listener for). */
  watchedIds(): string[] {
    const prefix = 'approval:';
    return this.emitter
      .eventNames()
      .filter((n): n is string => typeof n === 'string' && n.startsWith(prefix))
      .filter((n) => this.emitter.listenerCount(n) > 0)
      .map((n) => n.slice(prefix.length));
  }
}
