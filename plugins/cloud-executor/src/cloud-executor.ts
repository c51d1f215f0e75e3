import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  defineError,
  type ComponentHealth,
  type ExecutionAuthority,
  type ExecutorContext,
  type InteractionAnswer,
  type InteractionResponder,
  type Logger,
  type PromptInput,
  type PromptOptions,
  type RuntimeEvent,
  type RuntimeEventBody,
} from '@cowork-gateway/core';
import type { CloudSessionEvent } from './cloud-api.js';
import { CloudError, isCloudError } from './cloud-client.js';
import { CloudThreadUnbound, type CloudChannel, type ThreadRef } from './channel.js';
import type { CloudExecutorOptions } from './options.js';

/** A session event the gateway cannot turn into chat output (a poison event). */
export const CloudEventUnrenderable = defineError<{ sequence: number; type: string; reason: string }>({
  code: 'cloud.event_unrenderable',
  status: 502,
  message: ({ sequence, type, reason }) => `cloud.event_unrenderable: Cloud session event #${sequence} (${type}) cannot be rendered: ${reason}`,
});

export const CloudInteractionUnknown = defineError<{ interactionId: string }>({
  code: 'cloud.interaction_unknown',
  status: 404,
  message: ({ interactionId }) => `cloud.interaction_unknown: interaction ${interactionId} is not pending in this process (answered, expired, or created before a restart)`,
});

interface RunState {
  bindingId: string;
  /** Read the run's events after this Cloud sequence (the one before its `prompt.submitted`). */
  startAfter: number;
  aborted: AbortController;
}

interface PendingInteraction {
  token: string;
  kind: 'permission' | 'question';
  thread: ThreadRef;
}

/** The reason a read reconnects: a dropped stream, or a render failure to retry in order. */
type Reconnect = { reason: 'stream'; error?: unknown } | { reason: 'render'; sequence: number; error: unknown };

/**
 * Open Cowork Cloud as the ExecutionAuthority: a gateway session is a Cloud thread binding, a
 * prompt is `POST /api/channels/sessions/prompt` (idempotent by key; the run id is Cloud's command
 * id), and a run's events are read from the thread's session SSE in Cloud sequence order, from
 * `prompt.submitted` of that command to `session.idle` / `runtime.error`. The Cloud cursor is
 * written after every event the kernel has consumed. An event that fails to render is retried by
 * reconnecting from the persisted cursor (so nothing later overtakes it); after the retry budget it
 * is skipped, the cursor advanced and the dead-letter counters incremented.
 */
export class CloudExecutor implements ExecutionAuthority {
  readonly id = 'cloud';
  readonly kind = 'cloud';
  private readonly runs = new Map<string, RunState>();
  private readonly interactions = new Map<string, PendingInteraction>();
  /** Cloud permission/question target id → our interaction id, so a replayed request is not created twice. */
  private readonly interactionByTarget = new Map<string, string>();
  private logger?: Logger;
  private state: 'new' | 'started' | 'stopped' = 'new';
  private stopping = new AbortController();
  private lastFailure: { at: Date; message: string } | null = null;

  constructor(private readonly channel: CloudChannel, private readonly options: CloudExecutorOptions) {}

  async start(ctx: ExecutorContext): Promise<void> {
    this.logger = ctx.logger;
    this.stopping = new AbortController();
    this.state = 'started';
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.stopping.abort();
  }

  async health(): Promise<ComponentHealth> {
    if (this.state !== 'started') return { state: 'down', reason: `cloud executor is ${this.state === 'new' ? 'not started' : 'stopped'}` };
    if (this.lastFailure && Date.now() - this.lastFailure.at.getTime() < 60_000) return { state: 'degraded', reason: this.lastFailure.message };
    return { state: 'ok', detail: { cloud: this.channel.client.baseUrl } };
  }

  async bindSession(request: { sessionId: string; title: string; executorSessionId?: string }): Promise<{ executorSessionId: string }> {
    let thread = this.channel.threadOfSession(request.sessionId);
    if (!thread && this.channel.threadResolver) {
      thread = await this.channel.threadResolver(request.sessionId, request.title);
      this.channel.rememberThread(request.sessionId, thread);
    }
    if (!thread) throw new CloudThreadUnbound({ sessionId: request.sessionId });
    return { executorSessionId: thread.binding.bindingId };
  }

  async prompt(executorSessionId: string, input: PromptInput, options: PromptOptions): Promise<{ runId: string }> {
    const thread = this.thread(executorSessionId);
    const result = await this.track(this.channel.api.prompt({
      bindingId: executorSessionId,
      text: input.text,
      agent: this.options.defaultAgent,
      idempotencyKey: options.idempotencyKey,
      identityId: thread.identityId,
      provider: thread.route.provider,
      externalWorkspaceId: thread.route.workspaceId,
      externalUserId: thread.actor,
    }));
    const runId = result.command.commandId;
    if (!this.runs.has(runId)) {
      this.runs.set(runId, { bindingId: executorSessionId, startAfter: Math.max(0, result.command.createdSequence - 1), aborted: new AbortController() });
    }
    return { runId };
  }

  async *events(executorSessionId: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<RuntimeEvent> {
    const thread = this.thread(executorSessionId);
    const run = this.runs.get(options.runId);
    const resumed = options.after !== undefined && /^\d+$/.test(options.after);
    let cursor = resumed ? Number(options.after) : (run?.startAfter ?? thread.binding.lastEventSequence);
    let inRun = resumed;
    const attempts = new Map<number, number>();
    const signals = [this.stopping.signal, ...(options.signal ? [options.signal] : []), ...(run ? [run.aborted.signal] : [])];
    const signal = AbortSignal.any(signals);
    let failures = 0;
    for (;;) {
      if (run?.aborted.signal.aborted) {
        yield { type: 'run.failed', runId: options.runId, error: { code: 'run.aborted', message: 'the run was aborted by the gateway', retryable: false } };
        return;
      }
      if (signal.aborted) return;
      let reconnect: Reconnect = { reason: 'stream' };
      const stream = this.channel.client.stream(`/api/channels/sessions/${encodeURIComponent(executorSessionId)}/events?after=${cursor}`, { signal });
      try {
        for await (const frame of stream) {
          failures = 0;
          if (frame.event === 'snapshot.required') {
            const snapshot = await this.onSnapshotRequired(thread, frame.data, cursor);
            cursor = snapshot.cursor;
            // The gap is not re-rendered; when the snapshot shows the run already over, it ends here.
            if (inRun && (snapshot.status === 'idle' || snapshot.status === 'errored')) {
              const at = { runId: options.runId, cursor: String(cursor) };
              yield snapshot.status === 'idle'
                ? { type: 'run.completed', ...at }
                : { type: 'run.failed', ...at, error: { code: 'cloud.runtime_error', message: 'the Cloud session ended in an error (seen in a snapshot after an event gap)', retryable: false } };
              return;
            }
            continue;
          }
          const event = parseEvent(frame.data);
          if (!event || event.sequence <= cursor) continue;
          let body: RuntimeEventBody | null;
          try {
            const mapped = await this.map(event, options.runId, inRun, thread);
            inRun = mapped.inRun;
            body = mapped.body;
          } catch (error) {
            const tries = (attempts.get(event.sequence) ?? 0) + 1;
            attempts.set(event.sequence, tries);
            if (tries < this.options.renderAttempts && !(error instanceof CloudError && !error.retryable)) {
              this.channel.metrics.inc('sessionRenderRetries');
              reconnect = { reason: 'render', sequence: event.sequence, error };
              break;
            }
            this.logger?.error('cloud.session_event_dead_lettered', { bindingId: executorSessionId, sequence: event.sequence, type: event.type, attempts: tries, error });
            this.channel.metrics.inc('sessionRenderDeadLetters');
            this.channel.metrics.inc('droppedSessionEvents');
            cursor = await this.persist(thread, event.sequence, cursor);
            continue;
          }
          const terminal = body !== null && (body.type === 'run.completed' || body.type === 'run.failed');
          // A terminal event needs no rendering of its own and the kernel stops reading after it:
          // its cursor is written first. Any other event's cursor is written once the kernel asks
          // for the next one, i.e. once it handled this one.
          if (terminal) cursor = await this.persist(thread, event.sequence, cursor);
          if (body) yield { ...body, runId: options.runId, cursor: String(event.sequence), at: event.createdAt } as RuntimeEvent;
          if (terminal) return;
          cursor = await this.persist(thread, event.sequence, cursor);
        }
      } catch (error) {
        if (signal.aborted) continue;
        if (isCloudError(error) && !error.retryable) {
          this.noteFailure(error);
          throw error;
        }
        reconnect = { reason: 'stream', error };
      }
      if (signal.aborted) continue;
      if (reconnect.reason === 'render') {
        this.logger?.warn('cloud.session_render_retry', { bindingId: executorSessionId, sequence: reconnect.sequence, error: reconnect.error });
        continue;
      }
      failures += 1;
      if (reconnect.error) this.noteFailure(reconnect.error);
      const wait = Math.floor(Math.random() * Math.min(this.options.reconnectCapMs, this.options.reconnectBaseMs * 2 ** Math.min(failures - 1, 16)));
      await delay(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  async answer(interactionId: string, answer: InteractionAnswer, by?: InteractionResponder): Promise<void> {
    const pending = this.interactions.get(interactionId);
    if (!pending || pending.kind !== answer.kind) throw new CloudInteractionUnknown({ interactionId });
    const { thread } = pending;
    try {
      await this.track(this.channel.api.resolveInteraction({
        token: pending.token,
        externalInteractionId: by?.eventId,
        provider: thread.route.provider,
        externalWorkspaceId: thread.route.workspaceId,
        externalUserId: by?.userId ?? thread.actor ?? '',
        externalChatId: by?.chatId ?? thread.binding.externalChatId,
        ...(answer.kind === 'permission' ? { response: { allowed: answer.decision !== 'reject' } } : { answers: answer.answers }),
      }));
    } catch (error) {
      // Used (409) or gone (404): no longer pending either way.
      if (isCloudError(error, 'conflict') || isCloudError(error, 'not_found')) {
        this.interactions.delete(interactionId);
        throw new CloudInteractionUnknown({ interactionId }, { cause: error });
      }
      throw error;
    }
    this.interactions.delete(interactionId);
  }

  /**
   * Cloud has no channel route to abort a command: the gateway stops following the run (its
   * stream ends with `run.failed` `run.aborted`); the Cloud worker finishes or times out on its own.
   */
  async abort(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run) run.aborted.abort();
  }

  // ---- internals -------------------------------------------------------------------------------

  private thread(bindingId: string): ThreadRef {
    const thread = this.channel.threadOfBinding(bindingId);
    if (!thread) throw new CloudThreadUnbound({ sessionId: bindingId });
    return thread;
  }

  private async track<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      this.noteFailure(error);
      throw error;
    }
  }

  private noteFailure(error: unknown): void {
    if (isCloudError(error) && (error.kind === 'not_found' || error.kind === 'conflict')) return;
    this.lastFailure = { at: new Date(), message: (error as Error).message ?? String(error) };
  }

  /** Writes the Cloud cursor after an event was handled; returns this read's new position. */
  private async persist(thread: ThreadRef, sequence: number, current: number): Promise<number> {
    const result = await this.channel.api.updateCursor({
      bindingId: thread.binding.bindingId,
      lastEventSequence: sequence,
      lastWorkspaceSequence: thread.binding.lastWorkspaceSequence,
    });
    if (!result.ok && result.reason === 'not_found') throw new CloudError('not_found', `Cloud no longer knows thread binding ${thread.binding.bindingId}`);
    this.channel.updateBinding(result.binding);
    // A stale answer (Cloud is already further, e.g. a resumed read) keeps this read's position.
    return Math.max(current, sequence);
  }

  /** `snapshot.required`: take the snapshot, jump the cursor past the gap (and what the snapshot covers), render nothing of it. */
  private async onSnapshotRequired(thread: ThreadRef, data: string, cursor: number): Promise<{ cursor: number; status: string }> {
    this.channel.metrics.inc('sessionSnapshots');
    const event = parseEvent(data);
    const payload = (event?.payload ?? {}) as { latestSequence?: unknown };
    const snapshot = await this.channel.api.snapshot(thread.binding.bindingId);
    const next = Math.max(cursor, numberOr(payload.latestSequence, 0), snapshot.projection?.sequence ?? 0, event?.sequence ?? 0);
    this.logger?.warn('cloud.session_snapshot_required', { bindingId: thread.binding.bindingId, from: cursor, to: next });
    return { cursor: next > cursor ? await this.persist(thread, next, cursor) : cursor, status: snapshot.session?.status ?? 'running' };
  }

  /** One Cloud session event as a runtime event of `runId` (or nothing); throws when it is unrenderable. */
  private async map(event: CloudSessionEvent, runId: string, inRun: boolean, thread: ThreadRef): Promise<{ inRun: boolean; body: RuntimeEventBody | null }> {
    const p = event.payload ?? {};
    if (event.type === 'prompt.submitted') {
      if (p.commandId === runId) return { inRun: true, body: { type: 'run.started' } };
      return { inRun, body: null };
    }
    if (!inRun) return { inRun, body: null };
    switch (event.type) {
      case 'assistant.message': {
        const text = p.content ?? p.text ?? p.message;
        if (typeof text !== 'string') throw new CloudEventUnrenderable({ sequence: event.sequence, type: event.type, reason: 'its content is not text' });
        const messageId = stringOr(p.messageId, stringOr(p.id, `${event.sessionId}:assistant:${event.sequence}`));
        return { inRun, body: p.mode === 'append' ? { type: 'assistant.delta', messageId, text } : { type: 'assistant.message', messageId, text } };
      }
      case 'tool.call': {
        const callId = stringOr(p.id, stringOr(p.callId, stringOr(p.toolCallId, `tool:${event.sequence}`)));
        const tool = stringOr(p.name, 'tool');
        const status = String(p.status ?? 'running').toLowerCase();
        if (['complete', 'completed', 'success'].includes(status)) return { inRun, body: { type: 'tool.finished', callId, tool, status: 'completed' } };
        if (['error', 'failed', 'failure'].includes(status)) return { inRun, body: { type: 'tool.finished', callId, tool, status: 'failed', error: stringOr(p.error, 'the tool failed') } };
        return { inRun, body: { type: 'tool.started', callId, tool } };
      }
      case 'permission.requested': {
        const targetId = stringOr(p.permissionId, stringOr(p.id, ''));
        if (!targetId) return { inRun, body: null };
        const interactionId = await this.createInteraction(thread, 'permission', targetId);
        const detail = stringOr(p.description, stringOr(p.summary, stringOr(p.tool, '')));
        return { inRun, body: { type: 'permission.requested', interactionId, title: stringOr(p.title, 'Permission requested'), ...(detail ? { detail } : {}) } };
      }
      case 'question.asked': {
        const targetId = stringOr(p.requestId, stringOr(p.requestID, stringOr(p.id, '')));
        if (!targetId) return { inRun, body: null };
        const questions = Array.isArray(p.questions) ? (p.questions as Record<string, unknown>[]) : [];
        const first = questions[0] ?? {};
        const options = Array.isArray(first.options) ? (first.options as Record<string, unknown>[]).map((o) => stringOr(o.label, '')).filter(Boolean) : [];
        const interactionId = await this.createInteraction(thread, 'question', targetId);
        const question = [stringOr(first.header, ''), stringOr(first.question, 'Question requested')].filter(Boolean).join(': ');
        return { inRun, body: { type: 'question.asked', interactionId, question, options } };
      }
      case 'session.idle':
        return { inRun: false, body: { type: 'run.completed' } };
      case 'runtime.error':
        return { inRun: false, body: { type: 'run.failed', error: { code: 'cloud.runtime_error', message: stringOr(p.message, 'the Cloud run failed'), retryable: false } } };
      case 'session.aborted':
        return { inRun: false, body: { type: 'run.failed', error: { code: 'run.aborted', message: 'the Cloud session was aborted', retryable: false } } };
      default:
        return { inRun, body: null };
    }
  }

  /** Creates the Cloud interaction (token kept in memory only) for a permission or question. */
  private async createInteraction(thread: ThreadRef, kind: 'permission' | 'question', targetId: string): Promise<string> {
    const known = this.interactionByTarget.get(`${thread.binding.bindingId}:${targetId}`);
    if (known && this.interactions.has(known)) return known;
    const created = await this.channel.api.createInteraction({
      interactionId: `gw_${kind}_${randomBytes(9).toString('base64url')}`,
      agentId: thread.binding.agentId,
      sessionBindingId: thread.binding.bindingId,
      sessionId: thread.binding.sessionId,
      provider: thread.route.provider,
      kind,
      targetId,
    });
    const interactionId = created.interaction.interactionId;
    this.interactions.set(interactionId, { token: created.plaintextToken, kind, thread });
    this.interactionByTarget.set(`${thread.binding.bindingId}:${targetId}`, interactionId);
    return interactionId;
  }
}

function parseEvent(data: string): CloudSessionEvent | null {
  try {
    const value = JSON.parse(data) as CloudSessionEvent;
    if (typeof value !== 'object' || value === null || typeof value.sequence !== 'number' || typeof value.type !== 'string') return null;
    return value;
  } catch {
    return null;
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
