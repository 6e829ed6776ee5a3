/**
 * In-process notifications of committed changes, for waiters (long-poll, SSE) and workers.
 * Published only after COMMIT, so a listener never sees a change that rolled back.
 */
import { EventEmitter } from 'node:events';
import type { ApprovalRequest } from '../domain/approval.js';

export interface ApprovalChanged {
  approval: ApprovalRequest;
  event: string;
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publishApproval(change: ApprovalChanged): void {
    this.emitter.emit('approval', change);
    this.emitter.emit(`approval:${change.approval.id}`, change);
  }
  onApproval(listener: (c: ApprovalChanged) => void, id?: string): () => void {
    const name = id === undefined ? 'approval' : `approval:${id}`;
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
