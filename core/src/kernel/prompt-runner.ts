import type { JsonObject } from '../contracts/common.js';
import {
  ExecutorUnavailableError,
  isTerminalRuntimeEvent,
  type RuntimeEvent,
} from '../contracts/execution-authority.js';
import type { DeliveryTarget, InboundAttachment } from '../contracts/provider.js';
import type { RenderedMessage } from '../contracts/renderer.js';
import type { Job, NewSessionEvent, Session, SessionStatus } from '../contracts/store.js';
import { isGatewayError } from '../errors.js';
import type { KernelContext } from './context.js';
import { fetchPromptAttachments } from './attachments.js';
import { toJson } from './json.js';
import { appendEvents } from './store-ops.js';

/** What a finished prompt job tells the worker. */
export type PromptOutcome = (
  | { status: 'completed'; runId: string }
  | { status: 'failed'; runId: string | null; code: string; message: string; retryable: boolean }
) & { session: Session | null };

/**
 * Runs one prompt job: binds the executor session, starts the run (idempotent by the job's
 * key), persists every runtime event in order (deltas excepted), sends permission and question
 * requests as they come, and on the terminal event puts the rendered final reply in the outbox.
 */
export class PromptRunner {
  constructor(private readonly kernel: KernelContext) {}

  async run(job: Job): Promise<PromptOutcome> {
    const { store } = this.kernel;
    const executor = this.kernel.executor;
    if (!executor) throw new ExecutorUnavailableError('no executor is configured');
    const payload = job.payload as { text?: string; target?: DeliveryTarget; attachments?: InboundAttachment[] };
    const attachments = payload.attachments ?? [];
    if (typeof payload.text !== 'string' || (!payload.text && attachments.length === 0) || !payload.target) {
      const session = job.sessionId ? await store.sessions.get(job.sessionId) : null;
      return { status: 'failed', runId: null, code: 'job.payload_invalid', message: 'prompt job is missing "text" or "target"', retryable: false, session };
    }
    // Marking the session running also reads it: one store call instead of a get and an update.
    const session = await this.markRunning(job.sessionId);
    if (!session) return { status: 'failed', runId: null, code: 'job.session_missing', message: 'the job names no existing session', retryable: false, session };
    const executorSessionId = await this.bindExecutorSession(session);
    const deadline = new Date(this.kernel.clock.now().getTime() + this.kernel.settings.promptDeadlineMs);
    const input = { text: payload.text, attachments: await fetchPromptAttachments(this.kernel, job, session, attachments, payload.target) };
    const asked = performance.now();
    const { runId } = await executor.prompt(executorSessionId, input, { idempotencyKey: job.idempotencyKey, deadline, traceId: job.traceId ?? undefined }).then(
      (ack) => {
        this.kernel.metrics.executorPrompt('ok', performance.now() - asked);
        return ack;
      },
      (error: unknown) => {
        this.kernel.metrics.executorPrompt('error', performance.now() - asked);
        throw error;
      },
    );
    const { events, statusStored } = await this.followRun(job, session, executorSessionId, runId, deadline, payload.target);
    const terminal = events[events.length - 1];
    await this.deliverResult(job, session, events, payload.target);
    const settled = statusAfter(terminal);
    if (!statusStored) await store.sessions.setStatus(session.sessionId, settled);
    const final = { ...session, status: settled };
    if (terminal?.type === 'run.failed') return { status: 'failed', runId, ...terminal.error, session: final };
    return { status: 'completed', runId, session: final };
  }

  private async markRunning(sessionId: string | null): Promise<Session | null> {
    if (!sessionId) return null;
    try {
      return await this.kernel.store.sessions.setStatus(sessionId, 'running');
    } catch (error) {
      if (isGatewayError(error, 'store.not_found')) return null;
      throw error;
    }
  }

  /**
   * Binds on every run, passing the stored id: the executor returns it while it still exists and
   * a new session when it lost it (e.g. a wiped runtime), which then replaces the stored one.
   */
  private async bindExecutorSession(session: Session): Promise<string> {
    const known = session.executorSessionId ?? undefined;
    const { executorSessionId } = await this.kernel.executor!.bindSession({ sessionId: session.sessionId, title: session.title, executorSessionId: known });
    if (executorSessionId === known) return executorSessionId;
    if (known) this.kernel.logger.warn('session.executor_session_replaced', { sessionId: session.sessionId });
    const updated = await this.kernel.store.sessions.setExecutorSession(session.sessionId, executorSessionId, known);
    return updated.executorSessionId ?? executorSessionId;
  }

  /**
   * Reads the run's events until a terminal one, enforcing the deadline with an abort. A retried
   * job starts from what an earlier attempt already stored. `statusStored`: the terminal event
   * was stored by this call together with the session's final status.
   */
  private async followRun(
    job: Job, session: Session, executorSessionId: string, runId: string, deadline: Date, target: DeliveryTarget,
  ): Promise<{ events: RuntimeEvent[]; statusStored: boolean }> {
    const prior = job.attempts > 1 ? await this.persistedEventsOf(session.sessionId, runId) : [];
    if (prior.some(isTerminalRuntimeEvent)) return { events: prior, statusStored: false };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline.getTime() - this.kernel.clock.now().getTime()));
    try {
      const streamed = await this.stream(job, session, executorSessionId, runId, prior, target, controller.signal);
      if (streamed) return { events: [...prior, ...streamed], statusStored: true };
    } finally {
      clearTimeout(timer);
    }
    return { events: [...prior, await this.abortAtDeadline(job, session, runId)], statusStored: true };
  }

  /**
   * Persists and forwards the run's new events through the terminal one; null when the deadline
   * aborted the stream. Without cursors the executor replays the run from its start, so events
   * already stored are skipped.
   */
  private async stream(job: Job, session: Session, executorSessionId: string, runId: string, prior: RuntimeEvent[], target: DeliveryTarget, signal: AbortSignal): Promise<RuntimeEvent[] | null> {
    const after = lastCursor(prior);
    let replayed = after === undefined ? prior.length : 0;
    const events: RuntimeEvent[] = [];
    const history = new HistoryBuffer(this.kernel, session.sessionId, job);
    try {
      for await (const event of this.kernel.executor!.events(executorSessionId, { runId, after, signal })) {
        if (event.type !== 'assistant.delta' && replayed > 0) {
          replayed -= 1;
          continue;
        }
        events.push(event);
        await history.add(event);
        await this.forwardInteraction(job, session, event, target);
        if (isTerminalRuntimeEvent(event)) return events;
      }
    } catch (error) {
      await history.flush();
      if (!signal.aborted) throw error;
    }
    await history.flush();
    if (signal.aborted) return null;
    throw new ExecutorUnavailableError('the run\'s event stream ended before the run finished');
  }

  private async abortAtDeadline(job: Job, session: Session, runId: string): Promise<RuntimeEvent> {
    await this.kernel.executor!.abort(runId).catch((error: unknown) => this.kernel.logger.warn('run.abort_failed', { runId, error }));
    const failed: RuntimeEvent = {
      type: 'run.failed',
      runId,
      error: { code: 'run.deadline_exceeded', message: `the run did not finish within ${Math.round(this.kernel.settings.promptDeadlineMs / 1000)} s and was aborted`, retryable: false },
    };
    await appendEvents(this.kernel.store, session.sessionId, [storedEvent(failed, job)], 'failed');
    return failed;
  }

  /**
   * The events of this run already stored by an earlier attempt (a retried job), rebuilt as
   * runtime events, so the reply is rendered from the whole run and nothing is stored twice.
   */
  private async persistedEventsOf(sessionId: string, runId: string): Promise<RuntimeEvent[]> {
    const session = await this.kernel.store.sessions.get(sessionId);
    const recent = await this.kernel.store.events.list(sessionId, { afterSeq: Math.max(0, (session?.lastEventSeq ?? 0) - 500) });
    return recent
      .filter((e) => e.payload.runId === runId)
      .map((e) => {
        const { jobId: _jobId, ...rest } = e.payload;
        return { type: e.type, ...rest } as unknown as RuntimeEvent;
      });
  }

  private async forwardInteraction(job: Job, session: Session, event: RuntimeEvent, target: DeliveryTarget): Promise<void> {
    if (event.type !== 'permission.requested' && event.type !== 'question.asked') return;
    const provider = this.kernel.providers.get(target.instance);
    if (!provider) return;
    const rendered = this.kernel.renderer.renderInteraction(event, provider.capabilities);
    if (!rendered) return;
    await this.kernel.store.sessions.setStatus(session.sessionId, 'blocked');
    await this.enqueue(job, session, [rendered], target);
  }

  private async deliverResult(job: Job, session: Session, events: RuntimeEvent[], target: DeliveryTarget): Promise<void> {
    const provider = this.kernel.providers.get(target.instance);
    if (!provider) {
      this.kernel.logger.warn('delivery.provider_missing', { instance: target.instance, jobId: job.jobId });
      return;
    }
    await this.enqueue(job, session, this.kernel.renderer.renderRun(events, provider.capabilities), target);
  }

  private async enqueue(job: Job, session: Session, rendered: readonly RenderedMessage[], target: DeliveryTarget): Promise<void> {
    await this.kernel.enqueueOutbound(rendered, { idPrefix: job.jobId, target, sessionId: session.sessionId, jobId: job.jobId, traceId: job.traceId ?? undefined });
  }
}

/** How a runtime event is kept in session history: its fields plus the job that ran it. */
function storedEvent(event: RuntimeEvent, job: Job): NewSessionEvent {
  const { type, ...rest } = event;
  return { type, payload: toJson({ ...rest, jobId: job.jobId }), traceId: job.traceId ?? undefined };
}

/**
 * Appends a run's events to session history in batches: at once for requests that need an
 * answer and for the terminal event, otherwise when 32 are waiting or 250 ms have passed. A
 * crash loses at most an unflushed batch, which the retried job reads again from the executor.
 * Streaming deltas are not kept (the assistant message snapshots are).
 */
class HistoryBuffer {
  private pending: NewSessionEvent[] = [];
  private lastFlush = Date.now();

  constructor(private readonly kernel: KernelContext, private readonly sessionId: string, private readonly job: Job) {}

  async add(event: RuntimeEvent): Promise<void> {
    if (event.type === 'assistant.delta') return;
    this.pending.push(storedEvent(event, this.job));
    if (isTerminalRuntimeEvent(event)) return this.flush(statusAfter(event));
    const urgent = event.type === 'permission.requested' || event.type === 'question.asked';
    if (urgent || this.pending.length >= 32 || Date.now() - this.lastFlush >= 250) await this.flush();
  }

  /** Appends what is pending; with `status` (the run ended) the session's status changes in the same write. */
  async flush(status?: SessionStatus): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    await appendEvents(this.kernel.store, this.sessionId, batch, status);
  }
}

/** The session's status once a run ends with `terminal`. */
function statusAfter(terminal: RuntimeEvent | undefined): SessionStatus {
  return terminal?.type === 'run.failed' ? 'failed' : 'idle';
}

function lastCursor(events: readonly RuntimeEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) if (events[i]!.cursor !== undefined) return events[i]!.cursor;
  return undefined;
}

/** Audit metadata for a prompt outcome, never with message text. */
export function promptAuditMetadata(job: Job, session: Session | null, extra: JsonObject = {}): JsonObject {
  return toJson({
    provider: session?.instance ?? null,
    providerKind: session?.providerKind ?? null,
    sessionId: job.sessionId,
    jobId: job.jobId,
    ...extra,
  });
}
