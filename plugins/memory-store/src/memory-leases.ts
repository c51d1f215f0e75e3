import { randomUUID } from 'node:crypto';
import type { Lease, LeaseRepository } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, expired, plus } from './rows.js';

/** Named time-limited locks; every acquisition issues a new token. */
export class MemoryLeases implements LeaseRepository {
  constructor(private readonly state: MemoryState) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const now = this.state.now();
    const current = this.state.leases.get(name);
    if (current && current.holder !== holder && !expired(current.expiresAt, now)) return null;
    const lease: Lease = { name, holder, token: randomUUID(), expiresAt: plus(now, ttlMs) };
    this.state.leases.set(name, lease);
    return copy(lease);
  }

  /** Renews while the token is current, even just after expiry if nobody took the lease over. */
  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    const now = this.state.now();
    const current = this.current(lease);
    if (!current) return null;
    current.expiresAt = plus(now, ttlMs);
    return copy(current);
  }

  async release(lease: Lease): Promise<void> {
    if (this.current(lease)) this.state.leases.delete(lease.name);
  }

  async get(name: string): Promise<Lease | null> {
    const lease = this.state.leases.get(name);
    return lease ? copy(lease) : null;
  }

  /** Whether `lease` is the current, unexpired holding of its name at `now`. */
  isHeld(lease: Lease, now: Date): boolean {
    const current = this.current(lease);
    return current !== undefined && !expired(current.expiresAt, now);
  }

  private current(lease: Lease): Lease | undefined {
    const current = this.state.leases.get(lease.name);
    return current && current.token === lease.token && current.holder === lease.holder ? current : undefined;
  }
}
