import {
  ExecutorUnavailableError,
  isGatewayError,
  silentLogger,
  type ComponentHealth,
  type ExecutionAuthority,
  type ExecutorContext,
  type InstanceInfo,
  type InteractionAnswer,
  type Logger,
  type PromptInput,
  type PromptOptions,
  type RuntimeEvent,
} from '@cowork-gateway/core';
import { OpenCodeInteractionNotFound, OpenCodeRunNotFound, OpenCodeSessionNotFound } from './errors.js';
import { DEFAULT_EVENT_STREAM_TIMING, OpenCodeEventStream, type EventStreamTiming } from './event-stream.js';
import { ManagedOpenCode, type ManagedOpenCodeSettings } from './managed/managed-opencode.js';
import { ModelCheckCache, type ModelCheck } from './model-check.js';
import { messageIdSuffix, newMessageId, parseRunId, runIdOf } from './message-id.js';
import { OpenCodeClient, isRejectedWith } from './opencode-client.js';
import { OpenCodeRun } from './opencode-run.js';
import type { OpenCodeEvent, OpenCodeMessage } from './opencode-types.js';
import type { OpenCodeExecutorOptions } from './options.js';
import { assertPrivateOpenCodeUrl, parseOpenCodeUrl, type HostLookup } from './private-url.js';

/** Test seams; production code passes none. */
export interface OpenCodeExecutorOverrides {
  lookup?: HostLookup;
  eventTiming?: EventStreamTiming;
  /** The environment managed mode passes OpenCode settings from. Default `process.env`. */
  parentEnv?: NodeJS.ProcessEnv;
  /** How long `abort()` waits for OpenCode to confirm before ending the run itself. Default 2000. */
  abortConfirmMs?: number;
  /** How long `health()` keeps OpenCode's answer about its default model. Default 15000. */
  modelCheckTtlMs?: number;
}

const FINISHED_RUNS_KEPT = 500;
/** Caches of ids (gateway session → OpenCode session, pending interactions) keep this many entries. */
const CACHE_ENTRIES = 10_000;
/** How many of a session's latest messages a prompt reads to find its earlier attempt. */
const RECENT_MESSAGES = 50;
/** An adopted prompt this old with OpenCode idle and no reply was lost with an earlier OpenCode process. */
const ADOPT_IDLE_GRACE_MS = 10_000;

/**
 * A private OpenCode server as the gateway's {@link ExecutionAuthority}, over OpenCode's classic
 * HTTP API and its `GET /event` stream.
 *
 * - `bindSession` creates one OpenCode session per gateway session, all in one project directory.
 * - `prompt` is idempotent by key: the user message id is derived from the key (OpenCode's id
 *   format, sorting after the session's latest message) and looked up before posting, so a
 *   retried job, even after a restart, never starts a second turn. The run id is
 *   `<sessionID>:<messageID>`.
 * - `events` projects the session's events onto the run, with stable cursor keys; after a stream
 *   drop it resyncs from `GET /session/{id}/message`, so no text is lost or repeated.
 * - Without `url`, it runs its own `opencode serve` ({@link ManagedOpenCode}).
 */
export class OpenCodeExecutor implements ExecutionAuthority {
  readonly kind = 'opencode';
  readonly id: string;
  private logger: Logger;
  private client: OpenCodeClient | null = null;
  private stream: OpenCodeEventStream | null = null;
  private managed: ManagedOpenCode | null = null;
  private readonly runs = new Map<string, OpenCodeRun>();
  private readonly runsByKey = new Map<string, string>();
  private readonly active = new Map<string, OpenCodeRun>();
  private readonly sessionsByGatewayId = new Map<string, string>();
  private readonly interactions = new Map<string, { kind: 'permission' | 'question'; sessionId: string; questionCount?: number }>();
  private readonly lastReAbort = new Map<string, number>();
  /** The directory instance's model resolution, done once per event-stream connection. */
  private modelsResolved: Promise<void> | null = null;
  private readonly modelCheck: ModelCheckCache;

  constructor(
    private readonly options: OpenCodeExecutorOptions,
    instance: InstanceInfo = { id: 'opencode', plugin: '@cowork-gateway/opencode-executor', kind: 'executor' },
    logger: Logger = silentLogger,
    private readonly overrides: OpenCodeExecutorOverrides = {},
  ) {
    this.id = instance.id;
    this.logger = logger;
    this.modelCheck = new ModelCheckCache(overrides.modelCheckTtlMs ?? 15_000, options.requestTimeoutMs);
    if (options.url !== undefined) parseOpenCodeUrl(options.url);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async start(ctx: ExecutorContext): Promise<void> {
    this.logger = ctx.logger;
    const { baseUrl, password, directory } = await this.resolveRuntime();
    this.client = new OpenCodeClient({
      baseUrl: () => this.managed?.url ?? baseUrl,
      username: this.options.username,
      password: () => password,
      directory,
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.stream = new OpenCodeEventStream(this.client, this.logger, this.overrides.eventTiming ?? DEFAULT_EVENT_STREAM_TIMING, this.options.requestTimeoutMs);
    this.stream.onEvent((event) => this.route(event));
    this.stream.onResync(() => {
      // A reconnect may mean a new OpenCode process or a disposed instance: resolve models again.
      this.modelsResolved = null;
      this.resyncActiveRuns();
    });
    await this.checkReachable();
    // Warms the model check (and OpenCode's project instance) so the first /ready has an answer.
    void this.checkModel(0);
  }

  /**
   * Stops following OpenCode. Runs still going on are detached, not failed: their readers end
   * without a terminal event, so the kernel retries the job and a later process resumes the run.
   */
  async stop(): Promise<void> {
    this.stream?.close();
    for (const run of this.active.values()) run.detach();
    this.active.clear();
    await this.managed?.stop();
  }

  async health(): Promise<ComponentHealth> {
    if (!this.client) return { state: 'down', reason: 'the OpenCode executor is not started' };
    const managed = this.managed ? { managed: true, restarts: this.managed.restarts } : { managed: false };
    if (this.managed && this.managed.state !== 'running') {
      return { state: 'degraded', reason: `the managed opencode serve is ${this.managed.state}`, detail: managed };
    }
    try {
      // Health and the model check run side by side; /ready waits at most the short timeout for either.
      const timeoutMs = Math.min(2_000, this.options.requestTimeoutMs);
      const model = this.checkModel(timeoutMs);
      const health = await this.client.health({ timeoutMs });
      if (health.healthy !== true) return { state: 'degraded', reason: 'OpenCode reports itself unhealthy', detail: managed };
      const detail = { version: health.version ?? 'unknown', events: this.stream?.isConnected ? 'connected' : 'idle', ...managed };
      const checked = await model;
      if (!checked.usable) return { state: 'degraded', reason: checked.reason, detail: { ...detail, model: checked.model ?? null } };
      return { state: 'ok', detail: { ...detail, model: checked.model } };
    } catch (error) {
      return { state: 'down', reason: error instanceof Error ? error.message : String(error), detail: managed };
    }
  }

  /** OpenCode's default model, asked at most once per TTL and per (managed) server process. */
  private checkModel(waitMs: number): Promise<ModelCheck> {
    const client = this.requireClient();
    return this.modelCheck.check(client, `${client.baseUrl}#${this.managed?.restarts ?? 0}`, waitMs);
  }

  // ---- sessions and runs ---------------------------------------------------------------------

  async bindSession(request: { sessionId: string; title: string; executorSessionId?: string }): Promise<{ executorSessionId: string }> {
    const client = this.requireClient();
    const known = request.executorSessionId ?? this.sessionsByGatewayId.get(request.sessionId);
    if (known) {
      try {
        await client.getSession(known);
        return { executorSessionId: known };
      } catch (error) {
        if (!isRejectedWith(error, 404)) throw error;
        this.logger.warn('opencode.session_missing', { sessionId: request.sessionId, executorSessionId: known });
      }
    }
    const created = await client.createSession(request.title);
    this.sessionsByGatewayId.set(request.sessionId, created.id);
    return { executorSessionId: created.id };
  }

  async prompt(executorSessionId: string, input: PromptInput, options: PromptOptions): Promise<{ runId: string }> {
    const cached = this.runsByKey.get(options.idempotencyKey);
    if (cached) return { runId: cached };
    const client = this.requireClient();
    await this.requireStream().connected(this.options.requestTimeoutMs);
    // Jobs of one session run one after another, so a retried prompt is among the latest messages.
    const messages = await this.messagesOf(executorSessionId, RECENT_MESSAGES);
    const suffix = messageIdSuffix(options.idempotencyKey);
    const existing = messages.find((m) => m.info.role === 'user' && m.info.id.endsWith(suffix));
    if (existing) {
      const runId = runIdOf(executorSessionId, existing.info.id);
      if (!this.runs.has(runId)) await this.adopt(executorSessionId, existing.info.id);
      this.runsByKey.set(options.idempotencyKey, runId);
      return { runId };
    }
    await this.resolveModels();
    const messageId = newMessageId(suffix, latestMessageId(messages), executorSessionId);
    const run = this.track(executorSessionId, messageId);
    this.runsByKey.set(options.idempotencyKey, run.runId);
    try {
      await client.promptAsync(executorSessionId, { messageID: messageId, parts: promptParts(input) });
    } catch (error) {
      // The prompt may or may not have arrived: forget the run, a retry looks the message up again.
      this.runsByKey.delete(options.idempotencyKey);
      this.forget(run);
      throw error;
    }
    this.logger.debug('opencode.prompt_sent', { runId: run.runId, traceId: options.traceId });
    return { runId: run.runId };
  }

  async *events(executorSessionId: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<RuntimeEvent> {
    const { signal } = options;
    if (signal?.aborted) return;
    const run = this.runs.get(options.runId) ?? (await this.adoptRunId(executorSessionId, options.runId));
    let index = run.indexAfter(options.after);
    while (!signal?.aborted) {
      while (index < run.events.length) {
        yield run.events[index++]!;
        if (signal?.aborted) return;
      }
      if (run.done || run.isDetached) return;
      await run.changed(signal);
    }
  }

  async answer(interactionId: string, answer: InteractionAnswer): Promise<void> {
    const client = this.requireClient();
    const known = this.interactions.get(interactionId);
    try {
      if (answer.kind === 'question') await client.replyQuestion(interactionId, questionAnswers(answer.answers, known?.questionCount));
      else await this.replyPermission(interactionId, answer.decision, known?.sessionId);
    } catch (error) {
      if (isRejectedWith(error, 404)) throw new OpenCodeInteractionNotFound({ interactionId }, { cause: error });
      throw error;
    }
    this.interactions.delete(interactionId);
  }

  async abort(runId: string): Promise<void> {
    const client = this.requireClient();
    const run = this.runs.get(runId);
    if (!run) return this.abortUnknownRun(runId);
    if (run.done) return;
    run.markAbortRequested();
    await client.abort(run.sessionId);
    const confirmed = await waitUntil(() => run.done, this.overrides.abortConfirmMs ?? 2_000);
    if (!confirmed) {
      this.logger.warn('opencode.abort_unconfirmed', { runId });
      run.finishAborted();
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private async resolveRuntime(): Promise<{ baseUrl: string; password: string | undefined; directory: string }> {
    if (this.options.url !== undefined) {
      const baseUrl = await assertPrivateOpenCodeUrl(this.options.url, { allowPrivateDns: this.options.allowPrivateDns, lookup: this.overrides.lookup });
      return { baseUrl, password: this.options.password, directory: this.options.directory ?? process.cwd() };
    }
    const settings: ManagedOpenCodeSettings = {
      ...this.options.managed,
      instanceId: this.id,
      username: this.options.username,
      password: this.options.password,
      directory: this.options.directory,
      parentEnv: this.overrides.parentEnv ?? process.env,
    };
    this.managed = new ManagedOpenCode(settings, this.logger.child({ component: 'opencode.managed' }));
    const started = await this.managed.start();
    return { baseUrl: started.url, password: started.password, directory: started.directory };
  }

  /** Fails start() on a wrong URL or password; an unreachable server only logs (jobs retry). */
  private async checkReachable(): Promise<void> {
    try {
      await this.requireClient().health();
    } catch (error) {
      // A coded refusal (wrong URL, password) fails start; unreachable (executor.unavailable, also a
      // GatewayError) only logs, and jobs retry.
      if (isGatewayError(error) && !isGatewayError(error, 'executor.unavailable')) throw error;
      this.logger.warn('opencode.unreachable', { url: this.requireClient().baseUrl, error });
    }
  }

  /**
   * Makes OpenCode resolve its providers and models (`GET /config/providers`) before the first
   * prompt of an instance. Otherwise the first agent loop resolves them, and OpenCode 1.18.33
   * keeps the interruption when that loop is aborted meanwhile (a deadline shortly after the
   * first prompt): every later prompt of the instance then fails at once with "All fibers
   * interrupted without error". A failure here is left to the prompt itself to report.
   */
  private resolveModels(): Promise<void> {
    this.modelsResolved ??= this.requireClient()
      .providers()
      .then(
        () => undefined,
        (error: unknown) => {
          this.modelsResolved = null;
          this.logger.warn('opencode.models_unresolved', { error });
        },
      );
    return this.modelsResolved;
  }

  private requireClient(): OpenCodeClient {
    if (!this.client) throw new ExecutorUnavailableError('the OpenCode executor is not started');
    return this.client;
  }

  private requireStream(): OpenCodeEventStream {
    if (!this.stream) throw new ExecutorUnavailableError('the OpenCode executor is not started');
    return this.stream;
  }

  private async messagesOf(sessionId: string, limit?: number): Promise<OpenCodeMessage[]> {
    try {
      return await this.requireClient().messages(sessionId, limit);
    } catch (error) {
      if (isRejectedWith(error, 404)) throw new OpenCodeSessionNotFound({ sessionId }, { cause: error });
      throw error;
    }
  }

  /**
   * Registers a run as its session's current one; events of the session now reach it. A run
   * older than the current one (re-read after a restart) is kept out of the way: it is caught up
   * by resync only.
   */
  private track(sessionId: string, messageId: string): OpenCodeRun {
    const previous = this.active.get(sessionId);
    const older = previous !== undefined && !previous.done && previous.userMessageId > messageId;
    const run = new OpenCodeRun(runIdOf(sessionId, messageId), sessionId, messageId, {
      onInteraction: (id, kind, session, questionCount) => this.interactions.set(id, { kind, sessionId: session, questionCount }),
      onBusyAfterAbort: () => this.reAbort(run),
      onFinished: () => {
        if (this.active.get(sessionId) === run) this.active.delete(sessionId);
      },
    });
    this.runs.set(run.runId, run);
    if (!older) {
      this.active.set(sessionId, run);
      previous?.fail({ code: 'opencode.superseded', message: 'a newer prompt took over the OpenCode session', retryable: false });
    }
    this.pruneFinishedRuns();
    return run;
  }

  private forget(run: OpenCodeRun): void {
    if (this.active.get(run.sessionId) === run) this.active.delete(run.sessionId);
    this.runs.delete(run.runId);
  }

  /** Rebuilds a run this process did not start (a retried job after a restart) from REST. */
  private async adoptRunId(executorSessionId: string, runId: string): Promise<OpenCodeRun> {
    const parsed = parseRunId(runId);
    if (!parsed || parsed.sessionId !== executorSessionId) throw new OpenCodeRunNotFound({ runId });
    await this.requireStream().connected(this.options.requestTimeoutMs);
    const run = this.runs.get(runId) ?? (await this.adopt(executorSessionId, parsed.messageId));
    if (!run) throw new OpenCodeRunNotFound({ runId });
    return run;
  }

  /**
   * Follows a run this process did not start. When OpenCode is idle long after the prompt and the
   * run has no finished reply, its loop died with an earlier OpenCode process: the run fails
   * (`opencode.run_interrupted`) instead of waiting for the deadline.
   */
  private async adopt(sessionId: string, messageId: string): Promise<OpenCodeRun | null> {
    const messages = await this.messagesOf(sessionId);
    if (!messages.some((m) => m.info.id === messageId)) return null;
    const run = this.track(sessionId, messageId);
    const { busy } = await this.resync(run, messages);
    const created = messages.find((m) => m.info.id === messageId)?.info.time?.created;
    if (!run.done && !busy && created !== undefined && Date.now() - created > ADOPT_IDLE_GRACE_MS) {
      run.fail({ code: 'opencode.run_interrupted', message: 'OpenCode is idle but never finished this run (it may have restarted); send the message again', retryable: true });
    }
    return run;
  }

  private route(event: OpenCodeEvent): void {
    const sessionId = sessionOf(event);
    if (sessionId) this.active.get(sessionId)?.handle(event);
  }

  private resyncActiveRuns(): void {
    for (const run of this.active.values()) {
      run.suspendDeltas();
      void this.resync(run).catch((error: unknown) => {
        this.logger.warn('opencode.resync_failed', { runId: run.runId, error });
        this.stream?.reconnect();
      });
    }
  }

  /** Catches a run up from REST: messages, busy state, pending permissions and questions. */
  private async resync(run: OpenCodeRun, messages?: OpenCodeMessage[]): Promise<{ busy: boolean }> {
    const client = this.requireClient();
    const [list, statuses, permissions, questions] = await Promise.all([
      messages ?? this.messagesOf(run.sessionId),
      client.statuses(),
      client.permissions().catch(() => []),
      client.questions().catch(() => []),
    ]);
    const status = statuses[run.sessionId]?.type;
    const busy = status === 'busy' || status === 'retry';
    run.resync({ messages: list, busy, permissions, questions });
    return { busy };
  }

  private async replyPermission(interactionId: string, decision: string, sessionId: string | undefined): Promise<void> {
    const client = this.requireClient();
    try {
      await client.replyPermission(interactionId, decision);
    } catch (error) {
      if (!sessionId || !routeMissing(error)) throw error;
      this.logger.debug('opencode.permission_reply_legacy', { interactionId });
      await client.replyPermissionLegacy(sessionId, interactionId, decision);
    }
  }

  /** OpenCode went busy again after an abort (the prompt had not started yet): abort again. */
  private reAbort(run: OpenCodeRun): void {
    const last = this.lastReAbort.get(run.sessionId) ?? 0;
    if (Date.now() - last < 500) return;
    this.lastReAbort.set(run.sessionId, Date.now());
    void this.client?.abort(run.sessionId).catch((error: unknown) => this.logger.warn('opencode.abort_failed', { runId: run.runId, error }));
  }

  /** Aborts a run of an earlier process only while its prompt is still the session's latest. */
  private async abortUnknownRun(runId: string): Promise<void> {
    const parsed = parseRunId(runId);
    if (!parsed) return;
    const messages = await this.messagesOf(parsed.sessionId, RECENT_MESSAGES).catch(() => []);
    const latestUser = messages.filter((m) => m.info.role === 'user').at(-1);
    if (latestUser?.info.id === parsed.messageId) await this.requireClient().abort(parsed.sessionId);
  }

  /** Keeps memory bounded: old finished runs (and their keys) and the oldest cached ids go. */
  private pruneFinishedRuns(): void {
    trimOldest(this.sessionsByGatewayId, CACHE_ENTRIES);
    trimOldest(this.interactions, CACHE_ENTRIES);
    trimOldest(this.lastReAbort, CACHE_ENTRIES);
    if (this.runs.size <= FINISHED_RUNS_KEPT) return;
    for (const [runId, run] of this.runs) {
      if (this.runs.size <= FINISHED_RUNS_KEPT) break;
      if (run.done) this.runs.delete(runId);
    }
    for (const [key, runId] of this.runsByKey) if (!this.runs.has(runId)) this.runsByKey.delete(key);
  }
}

/**
 * OpenCode wants one list of chosen labels per question. The gateway's answer is one list: for a
 * single question it is that question's choice(s); for several, answer i goes to question i.
 */
function questionAnswers(answers: string[], questionCount = 1): string[][] {
  if (questionCount <= 1) return [answers];
  return Array.from({ length: questionCount }, (_, i) => (answers[i] === undefined ? [] : [answers[i]!]));
}

function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}

function promptParts(input: PromptInput): Record<string, unknown>[] {
  const files = (input.attachments ?? [])
    .filter((a) => a.dataUrl !== undefined)
    .map((a) => ({ type: 'file', mime: a.mimeType ?? 'application/octet-stream', url: a.dataUrl, filename: a.filename }));
  return [{ type: 'text', text: input.text }, ...files];
}

function latestMessageId(messages: readonly OpenCodeMessage[]): string | undefined {
  let latest: string | undefined;
  for (const m of messages) if (latest === undefined || m.info.id > latest) latest = m.info.id;
  return latest;
}

function sessionOf(event: OpenCodeEvent): string | undefined {
  const p = event.properties as { sessionID?: unknown; info?: { sessionID?: unknown }; part?: { sessionID?: unknown } };
  const id = p.sessionID ?? p.part?.sessionID ?? p.info?.sessionID;
  return typeof id === 'string' ? id : undefined;
}

/** The new permission route does not exist on this server (HTML page or a plain 404). */
function routeMissing(error: unknown): boolean {
  if (isGatewayError(error, 'opencode.bad_response')) return true;
  return isRejectedWith(error, 404) && (error as { details?: { json?: boolean } }).details?.json !== true;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
