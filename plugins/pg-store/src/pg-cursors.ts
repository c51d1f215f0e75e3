import type { CursorRepository } from '@cowork-gateway/core';
import type { PgDatabase } from './database.js';

/** Named string positions (e.g. a polling provider's offset); last write wins. */
export class PgCursors implements CursorRepository {
  constructor(private readonly db: PgDatabase) {}

  async get(name: string): Promise<string | undefined> {
    const [row] = await this.db.sql`select value from cg_cursors where name = ${name}`;
    return row ? (row.value as string) : undefined;
  }

  async set(name: string, value: string): Promise<void> {
    await this.db.sql`
      insert into cg_cursors (name, value, updated_at) values (${name}, ${value}, ${this.db.now()})
      on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at`;
  }
}
