/**
 * Batches that start when there is room for them: at most `max` in flight. A batch asked for
 * while all slots are taken waits for one to free, and keeps taking in what arrives meanwhile; so
 * under load a batch grows to cover a whole round trip instead of one turn of the event loop
 * (fewer statements, fewer commits, fewer wake-ups of a database backend for the same requests),
 * while a quiet server still starts each batch on the next turn.
 */
export class InFlightLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError('at least one batch must be allowed in flight');
  }

  /**
   * Starts a batch with `start`: on the next turn when a slot is free, else once one frees. The
   * batch holds its slot until {@link done} is called for it, exactly once.
   */
  schedule(start: () => void): void {
    if (this.active < this.max) {
      this.active++;
      setImmediate(start);
    } else {
      this.waiting.push(start);
    }
  }

  /** A batch has finished (written or failed): its slot goes to the next waiting batch. */
  done(): void {
    const next = this.waiting.shift();
    if (next) setImmediate(next);
    else this.active = Math.max(0, this.active - 1);
  }

  /** Batches started and not yet done, and batches waiting for a slot. */
  get stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
