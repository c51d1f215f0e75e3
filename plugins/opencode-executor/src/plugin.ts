import { EXECUTOR, INSTANCE, LOGGER, definePlugin, resolve } from '@cowork-gateway/core';
import { OpenCodeExecutor } from './opencode-executor.js';
import { OPENCODE_EXECUTOR_OPTIONS, opencodeExecutorOptions, opencodeExecutorSettings } from './options.js';

/**
 * The OpenCode executor plugin: binds one {@link OpenCodeExecutor} as `EXECUTOR` for its
 * container. A URL that is not private is refused when the executor is resolved.
 */
export const opencodeExecutorPlugin = definePlugin({
  name: '@cowork-gateway/opencode-executor',
  kind: 'executor',
  core: '^0.1.0',
  description: 'Private OpenCode (opencode serve) as the execution authority; starts and manages its own server when no url is set.',
  configSchema: opencodeExecutorOptions,
  settings: opencodeExecutorSettings,
  register(container, options) {
    container.register(OPENCODE_EXECUTOR_OPTIONS, { useValue: options });
    let executor: OpenCodeExecutor | undefined;
    container.register(EXECUTOR, {
      useFactory: (c) => (executor ??= new OpenCodeExecutor(options, resolve(c, INSTANCE), resolve(c, LOGGER))),
    });
  },
});
