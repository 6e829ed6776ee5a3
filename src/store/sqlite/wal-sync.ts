/**
 * Durability for the SQLite writer without blocking the event loop. The writer runs with
 * `synchronous = NORMAL` in WAL mode: COMMIT appends the transaction's frames to the WAL without
 * an fsync. Before anyone is told a commit happened, this syncs the WAL file from the thread pool
 * (`fsync(2)` on our own descriptor of the same file flushes all of its dirty pages), which is
 * exactly what `synchronous = FULL` does inside COMMIT, on the main thread. Commits are numbered;
 * one fsync covers every commit made before it started, so concurrent batches share it, and the
 * next batch runs while the previous one's fsync is in flight.
 *
 * Checkpoints stay SQLite's: with NORMAL it syncs the WAL before copying it into the database and
 * the database before the WAL is reused, so what was acknowledged is never overwritten unsynced.
 *
 * A failed fsync is final: the kernel may have dropped the pages it could not write, so a later
 * fsync succeeding would prove nothing. Every wait from then on rejects, and the store must be
 * restarted (SQLite recovers from the WAL on open).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServiceError } from '../../errors/index.js';

export class WalSync {
  private committed = 0;
  private synced = 0;
  private inFlight: Promise<void> | null = null;
  private handle: FileHandle | null = null;
  private dirSynced = false;
  private failure: Error | null = null;
  private syncs = 0;

  constructor(
    private readonly dbPath: string,
    /** How the WAL file is synced (fault injection in tests; default fsync). */
    private readonly syncFile: (file: FileHandle) => Promise<void> = (file) => file.sync(),
  ) {}

  /** Numbers a COMMIT that just returned; wait for it with {@link durable}. */
  markCommitted(): number {
    return ++this.committed;
  }

  /** fsyncs made so far (for tests and metrics). */
  get syncCount(): number {
    return this.syncs;
  }

  /** Resolves once commit `n` (and every one before it) is on disk. */
  async durable(n: number): Promise<void> {
    while (this.synced < n) {
      if (this.failure) throw this.failure;
      if (this.inFlight) {
        await this.inFlight.catch(() => undefined);
        continue;
      }
      this.inFlight = this.syncOnce().finally(() => {
        this.inFlight = null;
      });
      await this.inFlight;
    }
    if (this.failure) throw this.failure;
  }

  /** Resolves once every commit made so far is on disk (what a reader may be shown). */
  caughtUp(): Promise<void> {
    return this.durable(this.committed);
  }

  private async syncOnce(): Promise<void> {
    // everything committed up to here is covered by this fsync
    const target = this.committed;
    try {
      this.handle ??= await open(`${this.dbPath}-wal`, 'r');
      await this.syncFile(this.handle);
      if (!this.dirSynced) {
        // the WAL file's own directory entry, once: a new file is not durable until it is
        const dir = await open(dirname(this.dbPath), 'r');
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
        this.dirSynced = true;
      }
      this.syncs++;
      this.synced = Math.max(this.synced, target);
    } catch (err) {
      this.failure = new ServiceError(
        'internal',
        `the store could not sync its write-ahead log to disk (${(err as NodeJS.ErrnoException).code ?? 'error'}); restart the server`,
      );
      throw this.failure;
    }
  }

  async close(): Promise<void> {
    await this.caughtUp().catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
  }
}
