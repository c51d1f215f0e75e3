import { createHash, randomUUID } from 'node:crypto';
import { Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import {
  LOGGER,
  LimitsUnavailable,
  WebhookReplayed,
  inject,
  injectable,
  type AbuseControls,
  type AuthFailureBlock,
  type ComponentHealth,
  type HeldLock,
  type Logger,
  type RateLimitDecision,
  type ReplayCache,
  type RequestLimiter,
  type ShortLivedLock,
  DEFAULT_SIGNATURE_WINDOW_MS,
} from '@cowork-gateway/core';
import { REDIS_OPTIONS, type RedisOptions } from './options.js';
import { CHECK_BLOCK, CLAIM, RECORD_FAILURE, RELEASE } from './scripts.js';

/** The part of an ioredis client the controls use (ioredis-mock fits it too). */
export type RedisClient = Pick<Redis, 'eval' | 'set' | 'status' | 'on' | 'once' | 'off' | 'quit' | 'disconnect'>;

/** Makes the client; tests inject ioredis-mock. */
export type RedisClientFactory = (url: string, options: IoRedisOptions) => RedisClient;

const defaultFactory: RedisClientFactory = (url, options) => new Redis(url, options);

/** Longest lock name accepted (keys stay bounded). */
const MAX_LOCK_NAME = 200;
/** Longest reconnect back-off. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** Key of a request budget: hash-tagged so a cluster keeps one control's keys together. */
function budgetKey(prefix: string, key: string): string {
  return `${prefix}:rl:{${key}}`;
}

/**
 * Redis-backed {@link AbuseControls}: every replica pointing at the same Redis and key prefix
 * shares request budgets, auth-failure blocks, the webhook replay cache and locks. Each control
 * is one atomic Lua script or `SET NX PX`; every key has a TTL. Commands are never queued while
 * Redis is unreachable: they fail at once with 503 `limits.unavailable` (fail closed), `/ready`
 * reports `degraded`, and ioredis keeps reconnecting in the background (recovery needs no restart).
 */
@injectable()
export class RedisAbuseControls implements AbuseControls {
  readonly kind = 'redis';
  readonly lock: ShortLivedLock;
  private client: RedisClient | null = null;
  private lastError: string | null = null;
  private readonly prefix: string;

  private factory: RedisClientFactory = defaultFactory;

  constructor(
    @inject(REDIS_OPTIONS) private readonly options: RedisOptions,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = options.keyPrefix;
    this.lock = { acquire: (name, ttlMs) => this.acquireLock(name, ttlMs) };
  }

  /** Controls whose client comes from `factory` (tests pass ioredis-mock). */
  static withClientFactory(options: RedisOptions, logger: Logger, factory: RedisClientFactory): RedisAbuseControls {
    const controls = new RedisAbuseControls(options, logger);
    controls.factory = factory;
    return controls;
  }

  /**
   * Connects, waiting at most `connectTimeoutMs` for the first connection. Resolves either way:
   * an unreachable Redis is reported by {@link health} and retried in the background.
   */
  async start(): Promise<void> {
    if (this.client) return;
    const client = this.factory(this.options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.options.connectTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      ...(this.options.url.startsWith('rediss://') ? { tls: { rejectUnauthorized: this.options.tlsRejectUnauthorized } } : {}),
    });
    this.client = client;
    client.on('error', (error: Error) => this.markUnavailable((error as NodeJS.ErrnoException).code ?? error.name));
    // A server that goes away may only close the connection; ioredis then reconnects without an
    // 'error' when it is back soon enough, so a lost connection counts as unavailable too.
    client.on('close', () => {
      if (this.client === client) this.markUnavailable('connection closed');
    });
    client.on('ready', () => {
      if (this.lastError !== null) this.logger.info('redis.recovered', {});
      this.lastError = null;
    });
    if (client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, this.options.connectTimeoutMs);
      client.once('ready', done);
      client.once('error', done);
    });
  }

  /** Logs `redis.unavailable` once per distinct reason until the connection is ready again. */
  private markUnavailable(reason: string): void {
    if (reason !== this.lastError) this.logger.warn('redis.unavailable', { reason });
    this.lastError = reason;
  }

  health(): ComponentHealth {
    const status = this.client?.status ?? 'not started';
    if (status === 'ready') return { state: 'ok', detail: { keyPrefix: this.prefix } };
    return { state: 'degraded', reason: 'redis is unreachable: rate limits, auth-failure blocks and replay checks answer 503 until it is back', detail: { status, keyPrefix: this.prefix } };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (client.status === 'ready') {
      try {
        await client.quit();
        return;
      } catch {
        // fall through to a hard disconnect
      }
    }
    client.disconnect();
  }

  requestLimiter(options: { limit: number; windowMs: number }): RequestLimiter {
    positive('limit', options.limit);
    positive('windowMs', options.windowMs);
    return {
      claim: async (key) => decision(await this.run('rate limit', (c) => c.eval(CLAIM, 1, budgetKey(this.prefix, key), options.limit, options.windowMs))),
    };
  }

  authFailureBlock(options: { limit: number; blockMs: number }): AuthFailureBlock {
    positive('limit', options.limit);
    positive('blockMs', options.blockMs);
    const keys = (key: string): [string, string] => [`${this.prefix}:af:{${key}}:n`, `${this.prefix}:af:{${key}}:b`];
    return {
      check: async (key) => decision(await this.run('auth-failure block', (c) => c.eval(CHECK_BLOCK, 2, ...keys(key)))),
      recordFailure: async (key) => decision(await this.run('auth-failure block', (c) => c.eval(RECORD_FAILURE, 2, ...keys(key), options.limit, options.blockMs))),
    };
  }

  replayCache(options: { instance: string; windowMs?: number }): ReplayCache {
    const windowMs = options.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
    return {
      claim: async (verified, _scope, now) => {
        const key = `${this.prefix}:replay:${options.instance}:${createHash('sha256').update(verified.replayKey).digest('hex')}`;
        // Remembered until the signature itself goes stale; at least one second.
        const ttlMs = Math.max(1000, verified.timestamp * 1000 + windowMs - now.getTime());
        const holder = randomUUID();
        let stored: unknown;
        try {
          stored = await this.run('replay cache', (c) => c.set(key, holder, 'PX', ttlMs, 'NX'));
        } catch (error) {
          return { ok: false, error: error as InstanceType<typeof LimitsUnavailable> };
        }
        if (stored !== 'OK') return { ok: false, error: new WebhookReplayed({ instance: options.instance }) };
        return {
          ok: true,
          value: {
            release: () => {
              this.run('replay cache', (c) => c.eval(RELEASE, 1, key, holder)).catch((error: unknown) =>
                this.logger.warn('redis.release_failed', { control: 'replay cache', code: (error as { code?: string }).code ?? 'internal' }),
              );
            },
          },
        };
      },
    };
  }

  private async acquireLock(name: string, ttlMs: number): Promise<HeldLock | undefined> {
    if (name.length === 0 || name.length > MAX_LOCK_NAME) throw new RangeError(`lock name must have 1-${MAX_LOCK_NAME} characters`);
    positive('ttlMs', ttlMs);
    const key = `${this.prefix}:lock:${name}`;
    const holder = randomUUID();
    const stored = await this.run('lock', (c) => c.set(key, holder, 'PX', Math.ceil(ttlMs), 'NX'));
    if (stored !== 'OK') return undefined;
    return { release: async () => (await this.run('lock', (c) => c.eval(RELEASE, 1, key, holder))) === 1 };
  }

  /** Runs one command; anything but an answer (not connected, timeout, connection lost) is 503 `limits.unavailable`. */
  private async run<T>(control: string, command: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = this.client;
    const unavailable = (cause?: unknown): InstanceType<typeof LimitsUnavailable> => {
      const retryAfterSeconds = this.options.retryAfterSeconds;
      return new LimitsUnavailable({ control, retryAfterSeconds }, { cause, details: { retryAfterSeconds } });
    };
    if (!client || client.status !== 'ready') throw unavailable();
    try {
      return await command(client);
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function decision(reply: unknown): RateLimitDecision {
  const [allowed, retryAfterMs] = reply as [number, number];
  return allowed === 1 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(1, Number(retryAfterMs)) };
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
}
