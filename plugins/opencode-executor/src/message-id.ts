import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TIME_MASK = (1n << 48n) - 1n;

/**
 * The random-looking tail of OpenCode ids (14 base62 characters), derived from a prompt's
 * idempotency key, so a retried prompt finds its user message in the session again.
 */
export function messageIdSuffix(idempotencyKey: string): string {
  const digest = createHash('sha256').update(`cowork-gateway.opencode-prompt\0${idempotencyKey}`).digest();
  let suffix = '';
  for (let i = 0; i < 14; i += 1) suffix += BASE62[digest[i]! % 62];
  return suffix;
}

/**
 * A user message id in OpenCode's own format (`msg_` + 12 hex digits of time + 14 characters),
 * ending in `suffix`. OpenCode's agent loop compares message ids to decide whether the newest
 * user message was answered, so the id must sort after every message already in the session and
 * before the reply the server creates next. The time part is therefore taken from the server's
 * own clock, as recorded in the session's latest message id (or the session id, for a new
 * session), plus one tick; the gateway's clock is used only when neither can be read.
 */
export function newMessageId(suffix: string, latestMessageId: string | undefined, sessionId: string, now: number = Date.now()): string {
  const serverTime = (latestMessageId ? timeOf(latestMessageId) : undefined) ?? sessionTimeOf(sessionId);
  const time = serverTime === undefined ? (BigInt(now) * 0x1000n) & TIME_MASK : (serverTime + 1n) & TIME_MASK;
  return `msg_${time.toString(16).padStart(12, '0')}${suffix}`;
}

/** Session ids count down (bitwise NOT of the time), so the newest sorts first. */
function sessionTimeOf(sessionId: string): bigint | undefined {
  const match = /^ses_([0-9a-f]{12})/.exec(sessionId);
  return match ? TIME_MASK ^ BigInt(`0x${match[1]}`) : undefined;
}

function timeOf(id: string): bigint | undefined {
  const match = /^msg_([0-9a-f]{12})/.exec(id);
  return match ? BigInt(`0x${match[1]}`) : undefined;
}

/** Run ids name the OpenCode session and the run's user message: `<sessionID>:<messageID>`. */
export function runIdOf(sessionId: string, messageId: string): string {
  return `${sessionId}:${messageId}`;
}

export function parseRunId(runId: string): { sessionId: string; messageId: string } | null {
  const match = /^([^:]+):(msg[^:]+)$/.exec(runId);
  return match ? { sessionId: match[1]!, messageId: match[2]! } : null;
}
