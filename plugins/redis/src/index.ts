/**
 * @packageDocumentation
 * `@cowork-gateway/redis`: request budgets, auth-failure blocks, the signed-webhook replay cache
 * and short-lived locks shared by every gateway replica on one Redis. See README.md and
 * docs/redis.md.
 */
import { redisPlugin } from './plugin.js';

export { redisPlugin } from './plugin.js';
export { RedisAbuseControls, type RedisClient, type RedisClientFactory } from './redis-controls.js';
export { REDIS_OPTIONS, redisOptions, redisSettings, type RedisOptions, type RedisOptionsInput } from './options.js';
export default redisPlugin;
