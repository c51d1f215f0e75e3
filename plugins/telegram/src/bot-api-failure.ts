import { NetworkError, ParseError, TelegramApiError, TimeoutError, isAbortError } from 'node-telegram-bot-api';

/**
 * What went wrong in one Bot API call, with every trace of the bot token removed. The library's
 * own errors are never passed on: their causes may carry the request URL, which holds the token.
 */
export interface BotApiFailure {
  /** `api`: Telegram answered `{ ok: false }`; `network`/`timeout`: no answer; `aborted`: we cancelled. */
  kind: 'api' | 'network' | 'timeout' | 'aborted' | 'other';
  method: string;
  /** Telegram's `error_code` (HTTP-like: 400, 401, 403, 409, 429, 5xx) for `api` failures. */
  errorCode?: number;
  /** Telegram's description or the transport's message, redacted. */
  description: string;
  /** `parameters.retry_after` of a 429, in seconds. */
  retryAfterSeconds?: number;
}

/** Error thrown by {@link BotApi} calls: a redacted {@link BotApiFailure} and nothing else. */
export class BotApiError extends Error {
  readonly failure: BotApiFailure;
  constructor(failure: BotApiFailure) {
    super(`Telegram ${failure.method} failed: ${failure.errorCode ?? failure.kind} ${failure.description}`);
    this.name = 'BotApiError';
    this.failure = failure;
  }
}

/** Turns anything a library call threw into a token-free failure description. */
export function describeBotApiFailure(method: string, error: unknown, secret: string): BotApiFailure {
  if (error instanceof BotApiError) return error.failure;
  if (error instanceof TelegramApiError) {
    return {
      kind: 'api',
      method,
      errorCode: error.errorCode,
      description: redactToken(error.description, secret),
      ...(error.retryAfter !== undefined ? { retryAfterSeconds: error.retryAfter } : {}),
    };
  }
  if (error instanceof TimeoutError) return { kind: 'timeout', method, description: 'no answer within the client timeout' };
  if (isAbortError(error)) return { kind: 'aborted', method, description: 'request aborted' };
  if (error instanceof NetworkError) return { kind: 'network', method, description: redactToken(rootMessage(error), secret) };
  if (error instanceof ParseError) return { kind: 'other', method, description: 'the answer was not valid JSON' };
  return { kind: 'other', method, description: redactToken(error instanceof Error ? error.message : String(error), secret) };
}

/** True when a failure is a Telegram answer with this error code. */
export function hasErrorCode(failure: BotApiFailure, code: number): boolean {
  return failure.kind === 'api' && failure.errorCode === code;
}

/**
 * Removes the bot token, any `/bot<token>/` path segment and any `/file/bot<token>/` URL from
 * text. The token is the secret part of every Bot API URL (user-demand: tokens in timeout logs).
 */
export function redactToken(text: string, secret: string): string {
  let out = text.replace(/\/bot[^/\s]+/g, '/bot[redacted]');
  if (secret.length > 0) out = out.split(secret).join('[redacted]');
  return out;
}

/** The innermost message of a cause chain ("connect ECONNREFUSED 127.0.0.1:9"), for network errors. */
function rootMessage(error: Error): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth += 1) current = current.cause;
  return current instanceof Error ? current.message : error.message;
}
