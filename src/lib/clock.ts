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

export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
