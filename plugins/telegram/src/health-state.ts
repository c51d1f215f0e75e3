import type { ComponentHealth } from '@cowork-gateway/core';

/** Reasons the provider reports in `/ready`; each is also the code of the log line that explains it. */
export type HealthReason =
  | 'telegram.not_started'
  | 'telegram.unauthorized'
  | 'telegram.connect_failed'
  | 'telegram.poll_conflict'
  | 'telegram.poll_stalled'
  | 'telegram.poll_failed';

/**
 * The provider's current condition: one state at a time, replaced by whatever happened last
 * (a successful poll clears a conflict or a stall). `down` with `telegram.unauthorized` sticks
 * until the next start, because nothing but a new token fixes it.
 */
export class HealthState {
  private current: ComponentHealth = { state: 'down', reason: 'telegram.not_started' };

  ok(): void {
    if (!this.isUnauthorized()) this.current = { state: 'ok' };
  }

  degraded(reason: HealthReason): void {
    if (!this.isUnauthorized()) this.current = { state: 'degraded', reason };
  }

  down(reason: HealthReason): void {
    this.current = { state: 'down', reason };
  }

  /** Back to the initial state, for a fresh start. */
  reset(): void {
    this.current = { state: 'down', reason: 'telegram.not_started' };
  }

  isUnauthorized(): boolean {
    return this.current.state === 'down' && this.current.reason === 'telegram.unauthorized';
  }

  snapshot(detail: Record<string, unknown>): ComponentHealth {
    return { ...this.current, detail } as ComponentHealth;
  }
}
