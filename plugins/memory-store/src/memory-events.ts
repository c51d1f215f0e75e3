import { StoreNotFound } from '@cowork-gateway/core';
import type { NewSessionEvent, Session, SessionEvent, SessionEventRepository, SessionStatus } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, limited } from './rows.js';

/**
 * Per-session ordered events. Appends run synchronously on Node's single thread, so concurrent
 * callers can never interleave: every batch gets consecutive, gapless `seq`s.
 */
export class MemoryEvents implements SessionEventRepository {
  constructor(
    private readonly state: MemoryState,
    private readonly maxEventsPerSession: number,
  ) {}

  async append(sessionId: string, events: NewSessionEvent[], options: { status?: SessionStatus } = {}): Promise<SessionEvent[]> {
    const session = this.state.sessions.get(sessionId);
    if (!session) throw new StoreNotFound({ what: 'session', id: sessionId });
    if (options.status !== undefined && events.length > 0) session.status = options.status;
    return this.appendTo(session, events, this.state.now()).map((e) => copy(e));
  }

  async list(sessionId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<SessionEvent[]> {
    const afterSeq = options.afterSeq ?? 0;
    const rows = (this.state.events.get(sessionId) ?? []).filter((e) => e.seq > afterSeq);
    return limited(rows, options.limit);
  }

  /** Appends to a known session and bumps its `lastEventSeq`; returns the stored rows. */
  appendTo(session: Session, events: readonly NewSessionEvent[], now: Date): SessionEvent[] {
    const log = this.state.events.get(session.sessionId) ?? [];
    const added = events.map((event, i): SessionEvent => ({
      sessionId: session.sessionId,
      seq: session.lastEventSeq + i + 1,
      type: event.type,
      payload: copy(event.payload),
      traceId: event.traceId ?? null,
      createdAt: now,
    }));
    log.push(...added);
    // Bounded memory: drop the oldest events; `seq` keeps counting so it stays gapless.
    if (log.length > this.maxEventsPerSession) log.splice(0, log.length - this.maxEventsPerSession);
    this.state.events.set(session.sessionId, log);
    if (added.length > 0) {
      session.lastEventSeq += added.length;
      session.updatedAt = now;
    }
    return added;
  }
}
