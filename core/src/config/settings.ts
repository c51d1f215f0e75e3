/**
 * Setting specs: the typed description of every `<prefix><KEY>` setting a host reads, how its raw
 * value (env string or config-file JSON value) is parsed, and the settings core itself reads.
 */
import { DEFAULT_DELIVERY_MAX_ATTEMPTS, DEFAULT_JOB_LEASE_MS, DEFAULT_JOB_MAX_ATTEMPTS } from '../contracts/store.js';

/** The value types a setting can have; each has one parsing rule in {@link parseSettingValue}. */
export type SettingType = 'string' | 'integer' | 'boolean' | 'list' | 'url' | 'enum' | 'json';

/** The description of one setting: key, type, default, constraints and who reads it. */
export interface SettingSpec {
  /** Suffix after the host prefix, e.g. `PORT` → env `OPEN_COWORK_STANDALONE_GATEWAY_PORT`. */
  key: string;
  type: SettingType;
  /** Already-parsed default (number for integer, string[] for list, ...); absent = unset. */
  default?: unknown;
  /** One sentence; the docs generator appends the expected type. */
  description: string;
  /** Who reads it: `@cowork-gateway/core`, a host package or a plugin name. */
  readBy: string;
  /** The value is masked in docs and errors and added to the SecretRegistry. */
  secret?: boolean;
  /** Inclusive lower bound of an integer. */
  min?: number;
  /** Inclusive upper bound of an integer. */
  max?: number;
  /** Allowed values of an enum (canonical spelling). */
  values?: readonly string[];
  /**
   * Other full env var names read when `<prefix><KEY>` is unset, in order of precedence (e.g. the
   * Cloud Channel Gateway's `OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN`).
   */
  envAliases?: readonly string[];
  /** Enum input aliases, e.g. `{ pg: 'postgres', 'in-memory': 'memory' }`. */
  aliases?: Record<string, string>;
}

/** The result of {@link parseSettingValue}: the parsed value, or what was expected instead. */
export type SettingParseResult = { ok: true; value: unknown } | { ok: false; expected: string };

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Says in words what a setting accepts, e.g. "an integer from 0 to 65535". */
export function describeSettingType(spec: SettingSpec): string {
  switch (spec.type) {
    case 'integer':
      return describeInteger(spec.min, spec.max);
    case 'boolean':
      return 'a boolean (true/false, 1/0, yes/no, on/off)';
    case 'list':
      return 'a comma-separated list or a JSON array of strings';
    case 'url':
      return 'an absolute http(s) URL';
    case 'enum':
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'json':
      return 'a JSON value';
    case 'string':
      return 'a non-empty string';
  }
}

function describeInteger(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min !== undefined) return `an integer of at least ${min}`;
  if (max !== undefined) return `an integer of at most ${max}`;
  return 'an integer';
}

/**
 * Parses one raw setting value: a string (env or file) or a JSON number/boolean/array/object
 * (file). Returns the typed value, or what was expected in words for the error message.
 */
export function parseSettingValue(spec: SettingSpec, raw: unknown): SettingParseResult {
  const value = PARSERS[spec.type](spec, raw);
  return value === INVALID ? { ok: false, expected: describeSettingType(spec) } : { ok: true, value };
}

const INVALID = Symbol('invalid');
type Parser = (spec: SettingSpec, raw: unknown) => unknown;

const PARSERS: Record<SettingType, Parser> = {
  string: parseString,
  integer: parseInteger,
  boolean: parseBoolean,
  list: parseList,
  url: parseUrl,
  enum: parseEnum,
  json: parseJson,
};

function parseString(_spec: SettingSpec, raw: unknown): unknown {
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return typeof raw === 'string' && raw.trim() !== '' ? raw : INVALID;
}

function parseInteger(spec: SettingSpec, raw: unknown): unknown {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim())) n = Number(raw.trim());
  else return INVALID;
  if (!Number.isSafeInteger(n)) return INVALID;
  if (spec.min !== undefined && n < spec.min) return INVALID;
  if (spec.max !== undefined && n > spec.max) return INVALID;
  return n;
}

function parseBoolean(_spec: SettingSpec, raw: unknown): unknown {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return INVALID;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return INVALID;
}

function parseList(_spec: SettingSpec, raw: unknown): unknown {
  if (typeof raw === 'string') return splitList(raw);
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return splitList(raw.join(','));
  return INVALID;
}

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function parseUrl(_spec: SettingSpec, raw: unknown): unknown {
  if (typeof raw !== 'string') return INVALID;
  const text = raw.trim();
  if (!URL.canParse(text)) return INVALID;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:' ? text : INVALID;
}

function parseEnum(spec: SettingSpec, raw: unknown): unknown {
  if (typeof raw !== 'string') return INVALID;
  const word = raw.trim().toLowerCase();
  const aliased = Object.entries(spec.aliases ?? {}).find(([alias]) => alias.toLowerCase() === word)?.[1] ?? word;
  return (spec.values ?? []).find((value) => value.toLowerCase() === aliased.toLowerCase()) ?? INVALID;
}

function parseJson(_spec: SettingSpec, raw: unknown): unknown {
  if (raw === undefined) return INVALID;
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return INVALID;
  }
}

const CORE = '@cowork-gateway/core';

function int(key: string, def: number, description: string, min?: number, max?: number): SettingSpec {
  return { key, type: 'integer', default: def, description, readBy: CORE, min, max };
}

function bool(key: string, def: boolean, description: string): SettingSpec {
  return { key, type: 'boolean', default: def, description, readBy: CORE };
}

/** The settings core reads; hosts pass these plus their own to `loadConfig`. */
export const CORE_SETTINGS: readonly SettingSpec[] = Object.freeze([
  { key: 'HOST', type: 'string', default: '127.0.0.1', description: 'Address the HTTP server listens on.', readBy: CORE },
  int('PORT', 8795, 'TCP port the HTTP server listens on (0 picks a free port).', 0, 65535),
  bool('ALLOW_WILDCARD_BIND', false, 'Opt-in to listening on a wildcard address (0.0.0.0 or ::); use only behind a reverse proxy with an admin token.'),
  { key: 'PUBLIC_URL', type: 'url', description: 'Public base URL of the gateway, used to build webhook URLs.', readBy: CORE },
  { key: 'ADMIN_TOKEN', type: 'string', secret: true, description: 'Bearer token for the admin endpoints; unset disables them.', readBy: CORE },
  bool('TRUST_PROXY_HEADERS', false, 'Use X-Forwarded-For from trusted proxies as the client address.'),
  { key: 'TRUSTED_PROXY_CIDRS', type: 'list', default: [], description: 'Proxy addresses or CIDR ranges whose forwarded headers are trusted.', readBy: CORE },
  int('MAX_REQUEST_BODY_BYTES', 1048576, 'Largest accepted HTTP request body in bytes.', 1024, 67108864),
  int('RATE_LIMIT_MAX_REQUESTS', 120, 'Requests allowed per source address in one rate-limit window.', 1),
  int('RATE_LIMIT_WINDOW_SECONDS', 60, 'Length of the rate-limit window in seconds.', 1),
  int('AUTH_FAILURE_LIMIT', 20, 'Failed authentications from one source before it is blocked.', 1),
  int('AUTH_FAILURE_BLOCK_SECONDS', 60, 'How long a source stays blocked after too many failed authentications, in seconds.', 1),
  { key: 'LOG_LEVEL', type: 'enum', default: 'info', values: ['debug', 'info', 'warn', 'error'], description: 'Lowest level of log events written.', readBy: CORE },
  int('PROMPT_DEADLINE_SECONDS', 900, 'Longest time one prompt may run before it is cancelled, in seconds.', 1, 86400),
  int('ATTACHMENT_MAX_BYTES', 20971520, 'Largest inbound file fetched from the channel and passed to the agent, in bytes; larger files are skipped and the sender is told.', 0, 1073741824),
  int('JOB_LEASE_SECONDS', DEFAULT_JOB_LEASE_MS / 1000, 'How long a worker holds a job before another worker may take it over, in seconds.', 1),
  int('JOB_MAX_ATTEMPTS', DEFAULT_JOB_MAX_ATTEMPTS, 'Attempts per job before it is dead-lettered.', 1, 100),
  int('WORKER_CONCURRENCY', 4, 'Jobs run at the same time by one process.', 1, 256),
  int('DELIVERY_MAX_ATTEMPTS', DEFAULT_DELIVERY_MAX_ATTEMPTS, 'Attempts per reply delivery before it is dead-lettered.', 1, 100),
  int('DELIVERY_TTL_SECONDS', 1800, 'Undelivered replies older than this many seconds are dead-lettered, not sent late.', 1),
  int('DELIVERY_BACKOFF_BASE_MS', 1000, 'First retry delay of a failed delivery in milliseconds; later retries back off exponentially.', 1),
  int('DELIVERY_BACKOFF_MAX_MS', 60000, 'Longest retry delay of a failed delivery in milliseconds.', 1),
  int('DELIVERY_CONCURRENCY', 4, 'Deliveries sent at the same time by one process.', 1, 256),
  int('CIRCUIT_FAILURE_THRESHOLD', 5, 'Consecutive provider failures that open its circuit breaker.', 1),
  int('CIRCUIT_OPEN_SECONDS', 30, 'How long an open circuit breaker waits before a trial request, in seconds.', 1),
  int('INBOUND_STALL_SECONDS', 300, 'A polling provider with no inbound progress for this many seconds makes /ready degraded.', 1),
  int('SHUTDOWN_DRAIN_SECONDS', 10, 'How long shutdown waits for running work to finish, in seconds.', 0, 600),
  { key: 'DEPLOYMENT_MODE', type: 'enum', default: 'solo', values: ['solo', 'team', 'enterprise'], description: 'Deployment profile; team and enterprise enforce stricter checks.', readBy: CORE },
  int('RETENTION_SESSION_DAYS', 90, 'Days sessions and their events are kept.', 1, 3650),
  int('RETENTION_ARTIFACT_DAYS', 30, 'Days artifacts are kept.', 1, 3650),
  int('RETENTION_AUDIT_DAYS', 365, 'Days audit records are kept.', 1, 3650),
  int('RETENTION_INTERVAL_SECONDS', 3600, 'How often the process holding the daemon lease runs a retention pass, in seconds.', 1, 604800),
  int('RETENTION_JOB_DAYS', 30, 'Days finished jobs are kept.', 1, 3650),
  {
    key: 'IDENTITIES',
    type: 'json',
    description: 'JSON array of identities to upsert at start: {provider, workspaceId?, externalUserId, role, status?}.',
    readBy: CORE,
  },
] satisfies SettingSpec[]);
