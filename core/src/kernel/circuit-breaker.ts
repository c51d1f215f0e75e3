/** Per-provider circuit state as shown on `/ready`. */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitOptions {
  /** Consecutive transient failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial send is allowed. */
  openMs: number;
}

/**
 * Stops hot-looping a failing provider: after `failureThreshold` consecutive transient send
 * failures the circuit opens and deliveries for that provider are not claimed for `openMs`;
 * then one trial is let through (half-open), and its outcome closes or re-opens the circuit.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(private readonly options: CircuitOptions, private readonly now: () => number = Date.now) {}

  state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.options.openMs ? 'half_open' : 'open';
  }

  /** True while deliveries should not even be claimed: open, or half-open with its trial under way. */
  blocksClaims(): boolean {
    const state = this.state();
    return state === 'open' || (state === 'half_open' && this.trialInFlight);
  }

  /** True when a send may be attempted now (closed, or the single half-open trial). */
  allowsSend(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.openedAt !== null || this.failures >= this.options.failureThreshold) this.openedAt = this.now();
  }

  /** Ends a half-open trial that neither succeeded nor failed transiently (e.g. a permanent error). */
  releaseTrial(): void {
    this.trialInFlight = false;
  }
}
