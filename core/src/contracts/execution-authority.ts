import type { ComponentHealth } from './common.js';
import type { Logger } from '../logging.js';
import { GatewayError, registerErrorCode } from '../errors.js';

/** What a prompt carries to the agent. */
export interface PromptInput {
  text: string;
  /** Attachments already fetched and stored as artifacts. */
  attachments?: { artifactId: string; filename: string; mimeType?: string; dataUrl?: string }[];
}

/** Events of one run, in the order the executor produced them. `cursor` resumes a stream. */
export type RuntimeEvent = RuntimeEventBody & { runId: string; cursor?: string; at?: string };

export type RuntimeEventBody =
  | { type: 'run.started' }
  | { type: 'assistant.delta'; messageId: string; text: string }
  /** A snapshot of an assistant message; later snapshots of the same id replace earlier ones. */
  | { type: 'assistant.message'; messageId: string; text: string }
  | { type: 'tool.started'; callId: string; tool: string; title?: string }
  | { type: 'tool.finished'; callId: string; tool: string; status: 'completed' | 'failed'; error?: string }
  | { type: 'permission.requested'; interactionId: string; title: string; detail?: string }
  | { type: 'question.asked'; interactionId: string; question: string; options: string[] }
  | { type: 'run.completed'; finalText?: string }
  | { type: 'run.failed'; error: { code: string; message: string; retryable: boolean } };

export type RuntimeEventType = RuntimeEventBody['type'];

/** True for `run.completed` and `run.failed`: the stream of a run ends after one of them. */
export function isTerminalRuntimeEvent(event: RuntimeEvent): boolean {
  return event.type === 'run.completed' || event.type === 'run.failed';
}

export interface PromptOptions {
  /** Same key → same run; a retried job must not start a second run. */
  idempotencyKey: string;
  /** The gateway aborts the run at this time. */
  deadline: Date;
  traceId?: string;
}

export type InteractionAnswer =
  | { kind: 'permission'; decision: 'once' | 'always' | 'reject' }
  | { kind: 'question'; answers: string[] };

/**
 * Who answered an interaction, and where: passed to {@link ExecutionAuthority.answer} so an
 * executor whose runtime checks the responder (e.g. Cloud's same-chat scoping) can forward it.
 * Executors that do not need it ignore it.
 */
export interface InteractionResponder {
  /** Provider instance id. */
  instance: string;
  /** Provider kind, e.g. `telegram`. */
  provider: string;
  workspaceId?: string;
  userId: string;
  chatId: string;
  threadId?: string;
  /** The inbound event that carried the answer (button callback or text command). */
  eventId: string;
}

export interface ExecutorContext {
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * Who runs the agent: a private OpenCode (standalone) or Open Cowork Cloud (cloud channel).
 *
 * The kernel calls `bindSession` once per gateway session (idempotent), `prompt` once per
 * prompt job (idempotent by key), and then reads `events` until a terminal event.
 */
export interface ExecutionAuthority {
  // identity
  readonly id: string;
  readonly kind: string;

  // lifecycle
  start(ctx: ExecutorContext): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<ComponentHealth>;

  // sessions and runs
  /**
   * Returns the executor's session for a gateway session, creating it on first use. Called on
   * every run with the stored `executorSessionId`: return it while it exists, a new one when the
   * executor lost it (the kernel then replaces the stored id).
   */
  bindSession(request: { sessionId: string; title: string; executorSessionId?: string }): Promise<{ executorSessionId: string }>;
  /** Starts a run; a repeated idempotency key returns the existing run. */
  prompt(executorSessionId: string, input: PromptInput, options: PromptOptions): Promise<{ runId: string }>;
  /** The ordered events of one run, ending after `run.completed` or `run.failed`. */
  events(executorSessionId: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<RuntimeEvent>;
  /** Answers a permission request or a question; `by` says who answered and where (optional to use). */
  answer(interactionId: string, answer: InteractionAnswer, by?: InteractionResponder): Promise<void>;
  abort(runId: string): Promise<void>;
}

registerErrorCode('executor.unavailable', 503);

/**
 * Thrown by executors when the runtime cannot be reached; the kernel retries the job later. A
 * {@link GatewayError} with code `executor.unavailable` and status 503.
 */
export class ExecutorUnavailableError extends GatewayError {
  static readonly code = 'executor.unavailable';
  static readonly status = 503;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ExecutorUnavailableError.code, message, ExecutorUnavailableError.status, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ExecutorUnavailableError';
  }
}
