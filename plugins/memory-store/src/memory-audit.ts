import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditRepository, JsonObject } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, limited, newestFirst } from './rows.js';

/** Append-only audit log, listed newest first. */
export class MemoryAudit implements AuditRepository {
  constructor(private readonly state: MemoryState) {}

  async record(event: { type: string; actor: string; metadata: JsonObject; traceId?: string }): Promise<AuditEvent> {
    const row: AuditEvent = {
      auditId: randomUUID(),
      type: event.type,
      actor: event.actor,
      metadata: copy(event.metadata),
      traceId: event.traceId ?? null,
      createdAt: this.state.now(),
    };
    this.state.audit.set(row.auditId, row);
    return copy(row);
  }

  async list(options: { type?: string; traceId?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = newestFirst(this.state.audit.values())
      .filter((e) => options.type === undefined || e.type === options.type)
      .filter((e) => options.traceId === undefined || e.traceId === options.traceId);
    return limited(rows, options.limit);
  }
}
