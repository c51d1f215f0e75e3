import { randomUUID } from 'node:crypto';
import { StoreNotFound } from '@cowork-gateway/core';
import type { Session, SessionRepository, SessionStatus, ThreadKey } from '@cowork-gateway/core';
import { sqlLimit, type PgDatabase } from './database.js';
import { toSession } from './rows.js';

/** One session per (instance, workspace, chat, thread); a new one starts with `session.created`. */
export class PgSessions implements SessionRepository {
  constructor(private readonly db: PgDatabase) {}

  /**
   * One call (`cg_find_or_create_session`) inserts the session and its event #1, or finds it; a
   * concurrent caller's `on conflict do nothing` waits for that insert and then finds the row,
   * so exactly one caller sees `created: true` (the row carries the id that caller proposed).
   */
  async findOrCreate(key: ThreadKey & { providerKind: string; title: string }): Promise<{ session: Session; created: boolean }> {
    const proposedId = randomUUID();
    const [row] = await this.db.sql`
      select * from cg_find_or_create_session(${proposedId}, ${key.instance}, ${key.providerKind}, ${key.workspaceId ?? ''},
        ${key.chatId}, ${key.threadId ?? ''}, ${key.title}, ${this.db.now()})`;
    const session = toSession(row!);
    return { session, created: session.sessionId === proposedId };
  }

  async get(sessionId: string): Promise<Session | null> {
    const [row] = await this.db.sql`select * from cg_sessions where session_id = ${sessionId}`;
    return row ? toSession(row) : null;
  }

  async findByThread(key: ThreadKey): Promise<Session | null> {
    const [row] = await this.db.sql`
      select * from cg_sessions
      where instance = ${key.instance} and workspace_id = ${key.workspaceId ?? ''} and chat_id = ${key.chatId}
        and thread_id = ${key.threadId ?? ''}`;
    return row ? toSession(row) : null;
  }

  /**
   * The first executor session id wins; later calls return the stored one unchanged, unless
   * `replacing` names the current id (the executor lost that session): then it is swapped in
   * the same guarded update, so of two racing replacements only one lands.
   */
  async setExecutorSession(sessionId: string, executorSessionId: string, replacing?: string): Promise<Session> {
    const [updated] = await this.db.sql`
      update cg_sessions set executor_session_id = ${executorSessionId}, updated_at = ${this.db.now()}
      where session_id = ${sessionId}
        and (executor_session_id is null or executor_session_id = ${replacing ?? null}::text)
      returning *`;
    if (updated) return toSession(updated);
    return this.require(sessionId);
  }

  async setStatus(sessionId: string, status: SessionStatus): Promise<Session> {
    const [row] = await this.db.sql`
      update cg_sessions set status = ${status}, updated_at = ${this.db.now()}
      where session_id = ${sessionId}
      returning *`;
    if (!row) throw new StoreNotFound({ what: 'session', id: sessionId });
    return toSession(row);
  }

  async list(options: { limit?: number; status?: SessionStatus } = {}): Promise<Session[]> {
    const rows = await this.db.sql`
      select * from cg_sessions
      where (${options.status ?? null}::text is null or status = ${options.status ?? null})
      order by updated_at desc, pos desc
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toSession);
  }

  private async require(sessionId: string): Promise<Session> {
    const session = await this.get(sessionId);
    if (!session) throw new StoreNotFound({ what: 'session', id: sessionId });
    return session;
  }
}
