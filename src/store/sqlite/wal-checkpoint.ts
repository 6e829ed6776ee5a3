/**
 * Checkpoints of the SQLite write-ahead log, off the event loop. SQLite's automatic checkpoint
 * runs inside the COMMIT that crosses 1,000 WAL pages: on the writer's connection, so on the
 * server's only thread, copying pages into the database file and fsyncing twice while every
 * request waits. Here the writer has `wal_autocheckpoint = 0`, and a worker thread with its own
 * connection checkpoints instead, at most every `intervalMs` while commits come in.
 *
 * A checkpoint holds the writer's mutex: no commit lands while it copies, so it copies every
 * frame and the next transaction starts the WAL over (the log stays as small as with automatic
 * checkpoints). The event loop goes on meanwhile: reads, signing and HTTP do not wait, and the
 * commits that queue up are committed together once it is done.
 *
 * Durability is SQLite's: a checkpoint syncs the WAL before copying and the database after, and
 * acknowledged commits are already synced in the WAL (wal-sync.ts). If the worker fails, the
 * writer goes back to automatic checkpoints.
 */
import { Worker } from 'node:worker_threads';
import type { Mutex } from '../mutex.js';

export interface CheckpointResult {
  /** Frames in the WAL, and frames copied into the database, as SQLite reported them. */
  log: number;
  checkpointed: number;
  /** Whether a reader or writer kept the checkpoint from copying everything. */
  busy: boolean;
}

type Answer =
  | ({ ok: true } & { busy: number; log: number; checkpointed: number })
  | {
      ok: false;
      error: string;
    };

export class WalCheckpointer {
  /** Started by the first checkpoint: a store that only reads never starts a thread. */
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private lastEnded = -Infinity;
  private pending = false;
  private closed = false;
  private lost = false;
  private answer: ((a: Answer) => void) | null = null;
  private done = 0;
  private last: CheckpointResult | null = null;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly dbPath: string,
    /** The writer's mutex: held for the length of a checkpoint. */
    private readonly mutex: Mutex,
    /** Called once if the worker is lost: the writer checkpoints by itself again. */
    private readonly fallback: () => void,
    private readonly intervalMs = 100,
  ) {}

  private startWorker(): Worker {
    const worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), {
      workerData: { path: this.dbPath },
    });
    worker.unref();
    worker.on('message', (a: Answer) => this.answer?.(a));
    const lose = () => {
      if (this.closed || this.lost) return;
      this.lost = true;
      this.answer?.({ ok: false, error: 'checkpoint worker lost' });
      this.fallback();
    };
    worker.on('error', lose);
    worker.on('exit', lose);
    return worker;
  }

  /** Checkpoints completed, and what the last one reported. */
  get stats(): { checkpoints: number; last: CheckpointResult | null } {
    return { checkpoints: this.done, last: this.last };
  }

  /** Resolves after the next checkpoint that completes (tests, and nothing else, wait on it). */
  next(): Promise<void> {
    // somebody waits: a scheduled checkpoint keeps the process alive until it has run
    this.timer?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A commit landed: checkpoint soon, at most once per interval. */
  afterCommit(): void {
    if (this.closed || this.lost) return;
    this.pending = true;
    if (this.running || this.timer) return;
    const wait = Math.max(0, this.lastEnded + this.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, wait);
    if (this.waiters.length === 0) this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    const worker = this.worker;
    if (worker && !this.lost) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // until it has closed its connection
      worker.postMessage('close');
      await exited;
    }
  }

  private start(): void {
    if (this.closed || this.lost || !this.pending) return;
    this.pending = false;
    this.running = this.mutex
      .run(() => this.checkpoint())
      .catch(() => undefined) // a failed checkpoint leaves the WAL as it was: the next one copies it
      .finally(() => {
        this.running = null;
        this.lastEnded = performance.now();
        if (this.pending) this.afterCommit();
      });
  }

  private async checkpoint(): Promise<void> {
    if (this.closed || this.lost) return;
    this.worker ??= this.startWorker();
    const worker = this.worker;
    // an idle worker never keeps the process alive; one that is checkpointing does, so that a
    // commit waiting behind the checkpoint is not cut off by the process ending under it
    worker.ref();
    const a = await new Promise<Answer>((resolve) => {
      this.answer = resolve;
      worker.postMessage('checkpoint');
    }).finally(() => worker.unref());
    this.answer = null;
    if (!a.ok) throw new Error(a.error);
    this.done++;
    this.last = { log: a.log, checkpointed: a.checkpointed, busy: a.busy !== 0 };
    for (const w of this.waiters.splice(0)) w();
  }
}
