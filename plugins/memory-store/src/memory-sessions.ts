import { randomUUID } from 'node:crypto';
import { StoreNotFound } from '@cowork-gateway/core';
import type { Session, SessionRepository, SessionStatus, ThreadKey } from '@cowork-gateway/core';
import type { MemoryEvents } from './memory-events.js';
import { threadKeyString, type MemoryState } from './memory-state.js';
import { copy } from './rows.js';

/** One session per (instance, workspace, chat, thread); a new one starts with `session.created`. */
export class MemorySessions implements SessionRepository {
  constructor(
    private readonly state: MemoryState,
    private readonly events: MemoryEvents,
  ) {}

  async findOrCreate(
    key: ThreadKey & { providerKind: string; title: string },
  ): Promise<{ session: Session; created: boolean }> {
    const now = this.state.now();
    const existingId = this.state.threads.get(threadKeyString(key));
    const existing = existingId === undefined ? undefined : this.state.sessions.get(existingId);
    if (existing) return { session: copy(existing), created: false };
    const session = this.create(key, now);
    this.events.appendTo(session, [{ type: 'session.created', payload: { title: key.title } }], now);
    return { session: copy(session), created: true };
  }

  async get(sessionId: string): Promise<Session | null> {
    const session = this.state.sessions.get(sessionId);
    return session ? copy(session) : null;
  }

  async findByThread(key: ThreadKey): Promise<Session | null> {
    const sessionId = this.state.threads.get(threadKeyString(key));
    return sessionId === undefined ? null : this.get(sessionId);
  }

  async setExecutorSession(sessionId: string, executorSessionId: string, replacing?: string): Promise<Session> {
    const session = this.require(sessionId);
    if (session.executorSessionId === null || (replacing !== undefined && session.executorSessionId === replacing)) {
      session.executorSessionId = executorSessionId;
      session.updatedAt = this.state.now();
    }
    return copy(session);
  }

  async setStatus(sessionId: string, status: SessionStatus): Promise<Session> {
    const session = this.require(sessionId);
    session.status = status;
    session.updatedAt = this.state.now();
    return copy(session);
  }

  async list(options: { limit?: number; status?: SessionStatus } = {}): Promise<Session[]> {
    const rows = [...this.state.sessions.values()]
      .filter((s) => options.status === undefined || s.status === options.status)
      .reverse()
      .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
    const slice = options.limit === undefined ? rows : rows.slice(0, Math.max(0, options.limit));
    return slice.map((s) => copy(s));
  }

  private create(key: ThreadKey & { providerKind: string; title: string }, now: Date): Session {
    const session: Session = {
      sessionId: randomUUID(),
      instance: key.instance,
      providerKind: key.providerKind,
      workspaceId: key.workspaceId ?? '',
      chatId: key.chatId,
      threadId: key.threadId ?? '',
      title: key.title,
      status: 'idle',
      executorSessionId: null,
      lastEventSeq: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.state.sessions.set(session.sessionId, session);
    this.state.threads.set(threadKeyString(key), session.sessionId);
    return session;
  }

  private require(sessionId: string): Session {
    const session = this.state.sessions.get(sessionId);
    if (!session) throw new StoreNotFound({ what: 'session', id: sessionId });
    return session;
  }
}
