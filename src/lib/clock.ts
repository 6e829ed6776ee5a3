/** Time comes from an injected clock so that tests can freeze it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can set and advance. */
export class FakeClock implements Clock {
  private ms: number;
  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.ms = typeof start === 'number' ? start : Date.parse(start);
  }
  now(): number {
    return this.ms;
  }
  set(ms: number | string): void {
    this.ms = typeof ms === 'number' ? ms : Date.parse(ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

// a busy server formats the same millisecond many times over (one request stamps several records)
let lastMs = Number.NaN;
let lastIso = '';

/** ISO 8601 (UTC, milliseconds) of `ms`; RangeError when it is not a time. */
export function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
