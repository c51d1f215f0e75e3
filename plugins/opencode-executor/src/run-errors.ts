import type { OpenCodeErrorValue } from './opencode-types.js';

/** The `error` of a `run.failed` event. */
export interface RunError {
  code: string;
  message: string;
  retryable: boolean;
}

export const ABORTED: RunError = { code: 'opencode.aborted', message: 'the run was aborted', retryable: false };

/**
 * Maps OpenCode's error union (`session.error`, `AssistantMessage.error`) to a run failure with
 * a stable code. Only the first line of a message is kept: OpenCode's second `session.error` for
 * one failure can carry a stack trace.
 */
export function runErrorFrom(error: OpenCodeErrorValue | undefined): RunError {
  const name = error?.name ?? 'UnknownError';
  const data = error?.data ?? {};
  const detail = firstLine(typeof data.message === 'string' ? data.message : '');
  switch (name) {
    case 'MessageAbortedError':
      return ABORTED;
    case 'APIError': {
      const status = typeof data.statusCode === 'number' ? data.statusCode : undefined;
      const clientError = status !== undefined && status >= 400 && status < 500;
      return {
        code: 'opencode.upstream_error',
        message: `the model provider failed the request${status ? ` (HTTP ${status})` : ''}: ${detail || 'no details'}`,
        retryable: !clientError && data.isRetryable === true,
      };
    }
    case 'ProviderAuthError':
      return { code: 'opencode.provider_auth', message: `the model provider rejected OpenCode's credentials: ${detail || 'no details'}; fix the provider key in OpenCode's config`, retryable: false };
    case 'ContextOverflowError':
      return { code: 'opencode.context_overflow', message: `the conversation no longer fits the model's context: ${detail || 'start a new session'}`, retryable: false };
    case 'MessageOutputLengthError':
      return { code: 'opencode.output_too_long', message: 'the model reached its output length limit', retryable: false };
    default:
      return { code: 'opencode.run_failed', message: `OpenCode failed the run (${name})${detail ? `: ${detail}` : ''}`, retryable: false };
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
