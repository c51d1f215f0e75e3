import { ABUSE_CONTROLS, Lifecycle, definePlugin } from '@cowork-gateway/core';
import { REDIS_OPTIONS, redisOptions, redisSettings } from './options.js';
import { RedisAbuseControls } from './redis-controls.js';

/**
 * Shared abuse controls on Redis: a `limits` plugin (kind `extension`) binding
 * {@link RedisAbuseControls} as `ABUSE_CONTROLS`. Hosts select it when REDIS_URL is set.
 */
export const redisPlugin = definePlugin({
  name: '@cowork-gateway/redis',
  kind: 'extension',
  core: '^0.1.0',
  description: 'Shared rate limits, auth-failure blocks, webhook replay cache and short-lived locks on Redis (ioredis 5), for several gateway replicas.',
  configSchema: redisOptions,
  settings: redisSettings,
  enabledBy: 'REDIS_URL',
  register(container, options) {
    container.register(REDIS_OPTIONS, { useValue: options });
    container.register(ABUSE_CONTROLS, { useClass: RedisAbuseControls }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
