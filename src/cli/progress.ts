/**
 * Progress of a long operation on a terminal: one line on stderr, rewritten in place at most a
 * few times a second, then cleared. Off when stderr is not a terminal (unless asked for), so
 * scripts and logs see only the result.
 */
export interface ProgressLine {
  update(done: number, total: number): void;
  /** Clears the line (a terminal) or ends it (anything else). */
  end(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const EVERY_MS = 100;

/** `verifying 52% (524,288 of 1,000,000 events)`. */
export function progressText(label: string, done: number, total: number, unit: string): string {
  const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
  return `${label} ${pct}% (${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${unit})`;
}

export function progressLine(
  stream: ProgressStream,
  label: string,
  unit: string,
  now: () => number = Date.now,
): ProgressLine {
  const tty = stream.isTTY === true;
  let last = -Infinity;
  let shown = false;
  return {
    update(done, total) {
      const t = now();
      // the last update is always shown; the ones before at most every EVERY_MS
      if (done < total && t - last < EVERY_MS) return;
      last = t;
      const text = progressText(label, done, total, unit);
      stream.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
      shown = true;
    },
    end() {
      if (shown && tty) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
