import { randomUUID } from 'node:crypto';
import { PROMPT_ROLES } from '@cowork-gateway/core';
import type { Identity, IdentityKey, IdentityRepository, IdentityStatus, Role } from '@cowork-gateway/core';
import type { PgDatabase } from './database.js';
import { toIdentity } from './rows.js';

/** Identities keyed exactly by (provider, workspace or '', external user). */
export class PgIdentities implements IdentityRepository {
  constructor(private readonly db: PgDatabase) {}

  async upsert(input: IdentityKey & { role: Role; status?: IdentityStatus }): Promise<Identity> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      insert into cg_identities (identity_id, provider, workspace_id, external_user_id, role, status, created_at, updated_at)
      values (${randomUUID()}, ${input.provider}, ${input.workspaceId ?? ''}, ${input.externalUserId}, ${input.role},
              ${input.status ?? 'active'}, ${now}, ${now})
      on conflict (provider, workspace_id, external_user_id) do update
        set role = excluded.role,
            status = coalesce(${input.status ?? null}::text, cg_identities.status),
            updated_at = excluded.updated_at
      returning *`;
    return toIdentity(row!);
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const [row] = await this.db.sql`
      select * from cg_identities
      where provider = ${key.provider} and workspace_id = ${key.workspaceId ?? ''} and external_user_id = ${key.externalUserId}`;
    return row ? toIdentity(row) : null;
  }

  async list(filter: { provider?: string; status?: IdentityStatus } = {}): Promise<Identity[]> {
    const rows = await this.db.sql`
      select * from cg_identities
      where (${filter.provider ?? null}::text is null or provider = ${filter.provider ?? null})
        and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
      order by pos`;
    return rows.map(toIdentity);
  }

  async disable(key: IdentityKey): Promise<Identity | null> {
    const [row] = await this.db.sql`
      update cg_identities set status = 'disabled', updated_at = ${this.db.now()}
      where provider = ${key.provider} and workspace_id = ${key.workspaceId ?? ''} and external_user_id = ${key.externalUserId}
      returning *`;
    return row ? toIdentity(row) : null;
  }

  async summary(): Promise<{ total: number; active: number; promptCapable: number }> {
    const [row] = await this.db.sql`
      select count(*)::int as total,
             count(*) filter (where status = 'active')::int as active,
             count(*) filter (where status = 'active' and role = any(${[...PROMPT_ROLES]}))::int as prompt_capable
      from cg_identities`;
    return { total: Number(row!.total), active: Number(row!.active), promptCapable: Number(row!.prompt_capable) };
  }
}
