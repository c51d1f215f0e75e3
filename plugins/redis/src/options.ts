import * as v from 'valibot';
import { secret, token, type PluginSetting } from '@cowork-gateway/core';

/** Options of `@cowork-gateway/redis`; only `url` is required. */
export const redisOptions = v.strictObject({
  url: v.pipe(
    v.string(),
    v.regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// or rediss:// (TLS) URL'),
    secret(),
    v.description('Redis URL, redis://[:password@]host:port[/db]; rediss:// connects with TLS. Required; its password is never logged.'),
  ),
  keyPrefix: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "." or "-"'),
      v.description('First segment of every key (`<prefix>:rl:…`), so several gateways can share one Redis. Default "cowork-gateway".'),
    ),
    'cowork-gateway',
  ),
  connectTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(60_000), v.description('Time for one connection attempt, in ms. Default 2000.')), 2000),
  commandTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(30_000), v.description('Time for one command before the control answers 503, in ms. Default 1000.')), 1000),
  retryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600), v.description('Retry-After of the 503 answered while Redis is unreachable, in seconds. Default 5.')), 5),
  tlsRejectUnauthorized: v.optional(v.pipe(v.boolean(), v.description('With rediss://, verify the server certificate. Default true.')), true),
});

/** Options as written in config (defaults not yet applied). */
export type RedisOptionsInput = v.InferInput<typeof redisOptions>;
/** Parsed options of the Redis controls. */
export type RedisOptions = v.InferOutput<typeof redisOptions>;

/** Injection token of the parsed {@link RedisOptions}. */
export const REDIS_OPTIONS = token<RedisOptions>('redis.options');

/** Seed 001's names (the Cloud Channel Gateway), read when the host-prefixed key is unset. */
const channelGateway = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${key}`];

/** The flat settings that fill these options when a host selects the Redis controls from env. */
export const redisSettings: readonly PluginSetting[] = [
  { key: 'REDIS_URL', option: 'url', type: 'string', secret: true, envAliases: channelGateway('REDIS_URL'), description: 'Redis URL (redis://[:password@]host:6379, rediss:// for TLS); setting it shares rate limits, auth-failure blocks and the webhook replay cache between replicas (@cowork-gateway/redis).' },
  { key: 'REDIS_KEY_PREFIX', option: 'keyPrefix', type: 'string', envAliases: channelGateway('REDIS_KEY_PREFIX'), description: 'First segment of every Redis key of the shared controls (default cowork-gateway); give each gateway sharing one Redis its own.' },
];
