import { CORE_SETTINGS, type SettingSpec } from '@cowork-gateway/core';

/** Every env key of this host is `OPEN_COWORK_STANDALONE_GATEWAY_<KEY>` (seed 000). */
export const STANDALONE_PREFIX = 'OPEN_COWORK_STANDALONE_GATEWAY_';
export const STANDALONE_PACKAGE = '@cowork-gateway/standalone-gateway';

/** Settings the standalone preset reads itself, on top of core's. */
export const STANDALONE_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'STORE',
    type: 'enum',
    values: ['postgres', 'memory'],
    aliases: { postgresql: 'postgres', pg: 'postgres', 'in-memory': 'memory', inmemory: 'memory' },
    default: 'postgres',
    description: 'Which store to use: postgres (durable, multi-replica; provided by @cowork-gateway/pg-store) or memory (ephemeral, one process). A structured "store" in the config file takes precedence.',
    readBy: STANDALONE_PACKAGE,
  },
];

export const ALL_STANDALONE_SETTINGS: readonly SettingSpec[] = [...CORE_SETTINGS, ...STANDALONE_SETTINGS];

/** Store packages the STORE shortcut maps to. */
export const STORE_PACKAGES: Record<string, string> = {
  memory: '@cowork-gateway/memory-store',
  postgres: '@cowork-gateway/pg-store',
};
