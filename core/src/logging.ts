import { redactText, redactValue } from './redaction.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logger: one JSON line per event, `log.warn('delivery.rate_limited', { deliveryId })`.
 * Event names are dotted, like audit types. Fields pass through the redactor, so configured
 * secrets and token-shaped strings never reach the output.
 */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
  /** Exact secret values to mask wherever they appear. */
  secrets?: () => readonly string[];
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? stderrLines();
  const secrets = options.secrets ?? (() => []);
  const make = (bindings: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, event: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[level] < threshold) return;
      const record = { time: new Date().toISOString(), level, event, ...bindings, ...serializeErrors(fields) };
      write(redactText(JSON.stringify(redactValue(record, secrets())), secrets()));
    };
    return {
      debug: (e, f) => emit('debug', e, f),
      info: (e, f) => emit('info', e, f),
      warn: (e, f) => emit('warn', e, f),
      error: (e, f) => emit('error', e, f),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(options.bindings ?? {});
}

let sharedStderr: ((line: string) => void) | null = null;

/**
 * Writes log lines to stderr in batches: lines logged in the same tick go out in one write
 * (stderr on a pipe or file is synchronous on Linux: one syscall per line otherwise). Whatever is
 * still buffered when the process exits is written then, so no line is lost on exit.
 */
function stderrLines(): (line: string) => void {
  if (sharedStderr) return sharedStderr;
  let buffer: string[] = [];
  const flush = (): void => {
    if (buffer.length === 0) return;
    const chunk = buffer.join('\n') + '\n';
    buffer = [];
    process.stderr.write(chunk);
  };
  process.once('exit', flush);
  sharedStderr = (line: string) => {
    if (buffer.push(line) === 1) setImmediate(flush);
  };
  return sharedStderr;
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

function serializeErrors(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}

/** An error as loggable fields: code, message and the cause chain, no stack at info level. */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') described.code = code;
  if (error.cause !== undefined && depth < 4) described.cause = describeError(error.cause, depth + 1);
  return described;
}
