/** A FIFO async mutex: one holder at a time, waiters served in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // the chain continues whether fn resolved or threw
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
