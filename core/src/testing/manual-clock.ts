import type { Clock } from '../tokens.js';

/**
 * A {@link Clock} tests move by hand. It follows the real clock until `set` freezes it at a
 * time; `advance` moves it on (frozen or not); `follow` returns it to the real clock.
 */
export class ManualClock implements Clock {
  private frozen: number | null = null;
  private offsetMs = 0;

  now(): Date {
    return new Date(this.frozen ?? Date.now() + this.offsetMs);
  }

  /** Freezes the clock at `at`. */
  set(at: Date): void {
    this.frozen = at.getTime();
  }

  /** Moves the clock `ms` milliseconds on. */
  advance(ms: number): void {
    if (this.frozen === null) this.offsetMs += ms;
    else this.frozen += ms;
  }

  /** Follows the real clock again. */
  follow(): void {
    this.frozen = null;
    this.offsetMs = 0;
  }
}
