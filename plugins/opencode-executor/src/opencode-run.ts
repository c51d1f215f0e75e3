import type { RuntimeEvent, RuntimeEventBody } from '@cowork-gateway/core';
import { ABORTED, runErrorFrom, type RunError } from './run-errors.js';
import type {
  OpenCodeEvent,
  OpenCodeMessage,
  OpenCodeMessageInfo,
  OpenCodePart,
  OpenCodePermissionRequest,
  OpenCodeQuestionRequest,
} from './opencode-types.js';

/** What a run tells its executor. */
export interface RunHooks {
  /** A permission or question of this run is pending (for `answer()`). */
  onInteraction(interactionId: string, kind: 'permission' | 'question', sessionId: string, questionCount?: number): void;
  /** OpenCode went busy after an abort was requested: abort again. */
  onBusyAfterAbort(): void;
  onFinished(): void;
}

interface TextPart {
  /** Text delivered as deltas so far. */
  streamed: string;
  /** Latest full text known (snapshot or streamed). */
  latest: string;
  /** After a resync the server's offset of a delta is unknown: stop deltas, rely on the final snapshot. */
  deltasOff: boolean;
}

/** How long a run waits for `session.idle` after a `session.error` before it ends anyway. */
const ERROR_GRACE_MS = 3_000;

/**
 * One prompt turn of an OpenCode session, projected from OpenCode's events to the gateway's
 * ordered runtime events. A run owns the assistant messages OpenCode creates after its user
 * message (ids ascend). Every event gets a unique, stable cursor key, and an event whose key was
 * already emitted is dropped, so live events and REST resyncs can overlap freely.
 *
 * The turn ends at `session.idle` (or `session.status` idle) after it was busy, never at
 * `session.error`, which OpenCode may send twice, the second time after idle.
 */
export class OpenCodeRun {
  readonly events: RuntimeEvent[] = [];
  private readonly keys = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly textParts = new Map<string, TextPart>();
  private readonly ignoredParts = new Set<string>();
  private readonly assistantMessages = new Set<string>();
  private readonly userMessages = new Set<string>();
  private readonly unclaimedParts = new Map<string, OpenCodePart[]>();
  private sawBusy = false;
  private error: RunError | null = null;
  private errorTimer: NodeJS.Timeout | undefined;
  private abortRequested = false;
  /** OpenCode went idle before any reply of this run: waiting for the `session.error` that explains it. */
  private idleWithoutReply = false;
  private finished = false;
  private detached = false;

  constructor(
    readonly runId: string,
    readonly sessionId: string,
    readonly userMessageId: string,
    private readonly hooks: RunHooks,
    private readonly errorGraceMs = ERROR_GRACE_MS,
  ) {
    this.userMessages.add(userMessageId);
    this.emit('start', { type: 'run.started' });
  }

  get done(): boolean {
    return this.finished;
  }

  /** True once the executor stopped following the run (it is stopping); readers end without a terminal event. */
  get isDetached(): boolean {
    return this.detached;
  }

  get isAborting(): boolean {
    return this.abortRequested;
  }

  /** Position after the event with this cursor; 0 without one or for an unknown cursor. */
  indexAfter(cursor: string | undefined): number {
    if (cursor === undefined) return 0;
    const index = this.events.findIndex((e) => e.cursor === cursor);
    return index + 1;
  }

  /** Resolves when an event is added, the run ends, or `signal` aborts. */
  changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.finished || this.detached || signal?.aborted) return resolve();
      const wake = (): void => {
        this.listeners.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.listeners.add(wake);
      signal?.addEventListener('abort', wake);
    });
  }

  // ---- live events ---------------------------------------------------------------------------

  /** Applies one event of this run's session from `GET /event`. */
  handle(event: OpenCodeEvent): void {
    if (this.finished || this.detached) return;
    const p = event.properties;
    switch (event.type) {
      case 'session.status':
        return this.onStatus((p.status as { type?: string } | undefined)?.type);
      case 'session.idle':
        return this.onIdle();
      case 'session.error':
        return this.onError(runErrorFrom(p.error as never));
      case 'message.updated':
        return this.onMessage(p.info as OpenCodeMessageInfo);
      case 'message.part.updated':
        return this.onPart(p.part as OpenCodePart);
      case 'message.part.delta':
        return this.onDelta(p as { messageID?: string; partID?: string; field?: string; delta?: string });
      case 'permission.asked':
      case 'permission.updated':
        return this.onPermission(p as unknown as OpenCodePermissionRequest);
      case 'question.asked':
        return this.onQuestion(p as unknown as OpenCodeQuestionRequest);
      default:
        return;
    }
  }

  // ---- resync --------------------------------------------------------------------------------

  /**
   * Catches up from REST after events may have been missed (stream reconnect, or a run rebuilt
   * after a restart): the session's messages, whether it is busy, and pending interactions.
   */
  resync(snapshot: { messages: OpenCodeMessage[]; busy: boolean; permissions: OpenCodePermissionRequest[]; questions: OpenCodeQuestionRequest[] }): void {
    if (this.finished) return;
    let last: OpenCodeMessageInfo | undefined;
    for (const message of snapshot.messages) {
      if (message.info.role === 'user') this.userMessages.add(message.info.id);
      if (message.info.role !== 'assistant' || !this.follows(message.info.id)) continue;
      last = message.info;
      this.onMessage(message.info);
      for (const part of message.parts) {
        // Live deltas of an unfinished part may have been missed: its text now comes from snapshots.
        if (part.type === 'text' && part.time?.end === undefined) this.textTrack(part.id).deltasOff = true;
        this.onPart(part);
      }
    }
    for (const request of snapshot.permissions) if (request.sessionID === this.sessionId) this.onPermission(request);
    for (const request of snapshot.questions) if (request.sessionID === this.sessionId) this.onQuestion(request);
    if (snapshot.busy) {
      this.sawBusy = true;
      return;
    }
    if (last && (last.error || (last.time?.completed !== undefined && last.finish !== 'tool-calls'))) return this.finish();
    if (this.sawBusy) {
      // Idle without a finished answer after having been busy: the loop died (e.g. the server restarted).
      if (!this.error && !this.abortRequested) this.error = { code: 'opencode.run_interrupted', message: 'OpenCode stopped the run before it finished (the server may have restarted)', retryable: true };
      this.finish();
    }
  }

  /**
   * Called the moment the event stream reconnects, before any event of the new stream: deltas
   * of parts that were streaming may have been missed, so those parts continue from snapshots.
   */
  suspendDeltas(): void {
    for (const track of this.textParts.values()) track.deltasOff = true;
  }

  // ---- abort ---------------------------------------------------------------------------------

  markAbortRequested(): void {
    this.abortRequested = true;
  }

  /** Ends the run as aborted without waiting for OpenCode (it did not confirm in time). */
  finishAborted(): void {
    if (this.finished) return;
    this.error ??= ABORTED;
    this.finish();
  }

  /** Stops following the run without ending it: readers return, and a retried job resumes it later. */
  detach(): void {
    this.detached = true;
    clearTimeout(this.errorTimer);
    this.wake();
  }

  /** Ends the run with a failure decided by the executor (e.g. superseded by a newer prompt). */
  fail(error: RunError): void {
    if (this.finished) return;
    this.error = error;
    this.finish();
  }

  // ---- projection ----------------------------------------------------------------------------

  private onStatus(type: string | undefined): void {
    if (type === 'idle') return this.onIdle();
    if (type !== 'busy' && type !== 'retry') return;
    this.sawBusy = true;
    this.stillRunning();
    if (this.abortRequested) this.hooks.onBusyAfterAbort();
  }

  /**
   * The end of the turn. A turn that went idle without a single assistant message did not answer:
   * OpenCode sends the reason as `session.error` right after idle (e.g. a loop that failed before
   * calling the model), so the run waits briefly for it and fails, never completes with no text.
   */
  private onIdle(): void {
    if (this.assistantMessages.size > 0 || this.abortRequested || this.error) {
      if (this.sawBusy || this.assistantMessages.size > 0) this.finish();
      return;
    }
    if (!this.sawBusy || this.idleWithoutReply) return;
    this.idleWithoutReply = true;
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => this.endWithoutReply(), this.errorGraceMs);
    this.errorTimer.unref();
  }

  /** Busy again, or a reply appeared: an idle seen before was not this turn's end. */
  private stillRunning(): void {
    if (!this.idleWithoutReply) return;
    this.idleWithoutReply = false;
    clearTimeout(this.errorTimer);
  }

  private endWithoutReply(): void {
    this.error ??= { code: 'opencode.run_interrupted', message: 'OpenCode ended the turn without a reply; send the message again', retryable: true };
    this.finish();
  }

  private onError(error: RunError): void {
    this.error ??= error;
    if (this.idleWithoutReply) return this.finish();
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => this.finish(), this.errorGraceMs);
    this.errorTimer.unref();
  }

  private onMessage(info: OpenCodeMessageInfo | undefined): void {
    if (!info?.id) return;
    if (info.role === 'user') {
      this.userMessages.add(info.id);
      return;
    }
    if (!this.follows(info.id)) return;
    this.assistantMessages.add(info.id);
    this.stillRunning();
    if (info.error && info.error.name !== 'MessageAbortedError') this.error ??= runErrorFrom(info.error);
    const waiting = this.unclaimedParts.get(info.id);
    this.unclaimedParts.delete(info.id);
    for (const part of waiting ?? []) this.onPart(part);
  }

  private onPart(part: OpenCodePart | undefined): void {
    if (!part?.id || !this.follows(part.messageID)) return;
    if (!this.assistantMessages.has(part.messageID)) {
      // Parts normally follow their message.updated; keep them until we know the role.
      if (!this.userMessages.has(part.messageID)) this.unclaimedParts.set(part.messageID, [...(this.unclaimedParts.get(part.messageID) ?? []), part]);
      return;
    }
    if (part.type === 'text' && !part.synthetic && !part.ignored) return this.onTextPart(part);
    if (part.type === 'tool') return this.onToolPart(part);
    this.ignoredParts.add(part.id);
  }

  private onTextPart(part: OpenCodePart): void {
    const track = this.textTrack(part.id);
    const text = part.text ?? '';
    const ended = part.time?.end !== undefined;
    // Older servers stream by repeated snapshots: deliver what is new as a delta (§7). A finished
    // part needs no delta: its snapshot follows at once.
    if (!ended && !track.deltasOff && text.length > track.streamed.length) {
      if (text.startsWith(track.streamed)) this.emitDelta(part.id, track, text.slice(track.streamed.length));
      else track.deltasOff = true;
    }
    if (text.length >= track.latest.length || ended) track.latest = text;
    if (ended) this.emit(`m:${part.id}`, { type: 'assistant.message', messageId: part.id, text });
  }

  private onDelta(p: { messageID?: string; partID?: string; field?: string; delta?: string }): void {
    if (!p.partID || typeof p.delta !== 'string' || (p.field !== undefined && p.field !== 'text')) return;
    const track = this.textParts.get(p.partID);
    if (!track || track.deltasOff || this.keys.has(`m:${p.partID}`)) return;
    this.emitDelta(p.partID, track, p.delta);
    if (track.streamed.length > track.latest.length) track.latest = track.streamed;
  }

  private emitDelta(partId: string, track: TextPart, text: string): void {
    if (text === '') return;
    track.streamed += text;
    this.emit(`d:${partId}:${track.streamed.length}`, { type: 'assistant.delta', messageId: partId, text });
  }

  private onToolPart(part: OpenCodePart): void {
    const callId = part.callID ?? part.id;
    const tool = part.tool ?? 'tool';
    const state = part.state;
    this.emit(`ts:${callId}`, { type: 'tool.started', callId, tool, ...(state?.title ? { title: state.title } : {}) });
    if (state?.status === 'completed') this.emit(`tf:${callId}`, { type: 'tool.finished', callId, tool, status: 'completed' });
    if (state?.status === 'error') this.emit(`tf:${callId}`, { type: 'tool.finished', callId, tool, status: 'failed', ...(state.error ? { error: state.error } : {}) });
  }

  private onPermission(request: OpenCodePermissionRequest): void {
    const id = request.id ?? (request as { requestID?: string; permissionID?: string }).requestID ?? (request as { permissionID?: string }).permissionID;
    if (!id) return;
    const patterns = request.patterns ?? (Array.isArray(request.pattern) ? request.pattern : request.pattern ? [request.pattern] : []);
    const kind = request.permission ?? request.type ?? 'tool';
    const title = request.title ?? (patterns.length > 0 ? `${kind}: ${patterns.join(' ')}` : kind);
    const command = request.metadata?.command;
    this.hooks.onInteraction(id, 'permission', this.sessionId);
    const detail = typeof command === 'string' && !title.includes(command) ? { detail: command } : {};
    this.emit(`p:${id}`, { type: 'permission.requested', interactionId: id, title, ...detail });
  }

  private onQuestion(request: OpenCodeQuestionRequest): void {
    if (!request.id || !Array.isArray(request.questions) || request.questions.length === 0) return;
    const question = request.questions.map((q) => q.question).join('\n');
    const options = (request.questions[0]!.options ?? []).map((o) => o.label);
    this.hooks.onInteraction(request.id, 'question', this.sessionId, request.questions.length);
    this.emit(`q:${request.id}`, { type: 'question.asked', interactionId: request.id, question, options });
  }

  /** True for a message created after this run's prompt (OpenCode ids ascend). */
  private follows(messageId: string | undefined): boolean {
    return messageId !== undefined && messageId > this.userMessageId;
  }

  private textTrack(partId: string): TextPart {
    let track = this.textParts.get(partId);
    if (!track) {
      track = { streamed: '', latest: '', deltasOff: false };
      this.textParts.set(partId, track);
    }
    return track;
  }

  private finish(): void {
    if (this.finished) return;
    clearTimeout(this.errorTimer);
    for (const [partId, track] of this.textParts) {
      if (track.latest !== '') this.emit(`m:${partId}`, { type: 'assistant.message', messageId: partId, text: track.latest });
    }
    const error = this.error ?? (this.abortRequested ? ABORTED : null);
    if (error) this.emit('end', { type: 'run.failed', error });
    else this.emit('end', { type: 'run.completed', finalText: this.finalText() });
    this.finished = true;
    this.wake();
    this.hooks.onFinished();
  }

  /** The run's answer: its text parts in order, joined by blank lines. */
  private finalText(): string {
    return [...this.textParts.values()]
      .map((t) => t.latest.trim())
      .filter((t) => t !== '')
      .join('\n\n');
  }

  private emit(key: string, body: RuntimeEventBody): void {
    if (this.finished || this.keys.has(key)) return;
    this.keys.add(key);
    this.events.push({ ...body, runId: this.runId, cursor: key, at: new Date().toISOString() } as RuntimeEvent);
    this.wake();
  }

  private wake(): void {
    for (const wake of [...this.listeners]) wake();
  }
}
