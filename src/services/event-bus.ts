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
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
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
