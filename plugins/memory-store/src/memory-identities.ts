import { randomUUID } from 'node:crypto';
import { PROMPT_ROLES } from '@cowork-gateway/core';
import type { Identity, IdentityKey, IdentityRepository, IdentityStatus, Role } from '@cowork-gateway/core';
import { identityKeyString, type MemoryState } from './memory-state.js';
import { copy } from './rows.js';

/** Identities keyed exactly by (provider, workspace or '', external user). */
export class MemoryIdentities implements IdentityRepository {
  constructor(private readonly state: MemoryState) {}

  async upsert(input: IdentityKey & { role: Role; status?: IdentityStatus }): Promise<Identity> {
    const key = identityKeyString(input);
    const now = this.state.now();
    const existing = this.state.identities.get(key);
    const identity: Identity = existing
      ? { ...existing, role: input.role, status: input.status ?? existing.status, updatedAt: now }
      : {
          identityId: randomUUID(),
          provider: input.provider,
          workspaceId: input.workspaceId ?? '',
          externalUserId: input.externalUserId,
          role: input.role,
          status: input.status ?? 'active',
          createdAt: now,
          updatedAt: now,
        };
    this.state.identities.set(key, identity);
    return copy(identity);
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const identity = this.state.identities.get(identityKeyString(key));
    return identity ? copy(identity) : null;
  }

  async list(filter: { provider?: string; status?: IdentityStatus } = {}): Promise<Identity[]> {
    return [...this.state.identities.values()]
      .filter((i) => filter.provider === undefined || i.provider === filter.provider)
      .filter((i) => filter.status === undefined || i.status === filter.status)
      .map((i) => copy(i));
  }

  async disable(key: IdentityKey): Promise<Identity | null> {
    const identity = this.state.identities.get(identityKeyString(key));
    if (!identity) return null;
    identity.status = 'disabled';
    identity.updatedAt = this.state.now();
    return copy(identity);
  }

  async summary(): Promise<{ total: number; active: number; promptCapable: number }> {
    const all = [...this.state.identities.values()];
    const active = all.filter((i) => i.status === 'active');
    return {
      total: all.length,
      active: active.length,
      promptCapable: active.filter((i) => PROMPT_ROLES.includes(i.role)).length,
    };
  }
}
