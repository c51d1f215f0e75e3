import { CORE_SETTINGS, pluginSettingSpecs, type SettingSpec } from '@cowork-gateway/core';
import { opencodeExecutorPlugin } from '@cowork-gateway/opencode-executor';
import { pgStorePlugin } from '@cowork-gateway/pg-store';
import { slackPlugin } from '@cowork-gateway/slack';
import { redisPlugin } from '@cowork-gateway/redis';
import { telegramPlugin } from '@cowork-gateway/telegram';
import { webhookPlugin } from '@cowork-gateway/webhook';
import { bridgeEnvPlugins } from '@cowork-gateway/bridge';
import { emailPlugin } from '@cowork-gateway/email';

/** Every env key of this host is `OPEN_COWORK_STANDALONE_GATEWAY_<KEY>` (seed 000). */
export const STANDALONE_PREFIX = 'OPEN_COWORK_STANDALONE_GATEWAY_';
export const STANDALONE_PACKAGE = '@cowork-gateway/standalone-gateway';
/** Names of the Cloud Channel Gateway (seed 001), read as fallbacks so one env file serves both. */
const CHANNEL_GATEWAY_PREFIX = 'OPEN_COWORK_GATEWAY_';

export const PG_STORE_PACKAGE = '@cowork-gateway/pg-store';
export const OPENCODE_PACKAGE = '@cowork-gateway/opencode-executor';
export const TELEGRAM_PACKAGE = '@cowork-gateway/telegram';
export const WEBHOOK_PACKAGE = '@cowork-gateway/webhook';
export const BRIDGE_PACKAGE = '@cowork-gateway/bridge';
export const SLACK_PACKAGE = '@cowork-gateway/slack';
export const EMAIL_PACKAGE = '@cowork-gateway/email';
export const REDIS_PACKAGE = '@cowork-gateway/redis';

const host = (spec: Omit<SettingSpec, 'readBy'>): SettingSpec => ({ ...spec, readBy: STANDALONE_PACKAGE });
const fallback = (key: string): readonly string[] => [CHANNEL_GATEWAY_PREFIX + key];

const STORE_SETTINGS: readonly SettingSpec[] = [
  host({
    key: 'STORE',
    type: 'enum',
    values: ['postgres', 'memory'],
    aliases: { postgresql: 'postgres', pg: 'postgres', 'in-memory': 'memory', inmemory: 'memory' },
    default: 'postgres',
    description: 'Which store to use: postgres (durable, multi-replica; @cowork-gateway/pg-store) or memory (ephemeral, one process). A structured "store" in the config file takes precedence.',
  }),
];

// Preset-specific OpenCode settings: managed vs external is this host's choice, and the seed's
// millisecond deadline maps onto the kernel. The option mapping itself comes from the plugin.
const OPENCODE_SETTINGS: readonly SettingSpec[] = [
  host({ key: 'OPENCODE_MANAGED', type: 'boolean', default: true, description: 'Without OPENCODE_URL, spawn a private `opencode serve` on 127.0.0.1 (from the opencode-ai package); false runs without an executor.' }),
  host({ key: 'OPENCODE_EXECUTION_TIMEOUT_MS', type: 'integer', min: 1000, max: 86_400_000, description: 'Per-prompt deadline in milliseconds (the seed name); overrides PROMPT_DEADLINE_SECONDS when set.' }),
];

/** The plugins this preset's env shortcuts select; their flat settings come from the plugins. */

/**
 * Bridges this preset turns on from env, by name: `<NAME>_DELIVERY_URL`, `<NAME>_SHARED_SECRET`, …
 * (`DISCORD_*`, `WHATSAPP_*`, `SIGNAL_*`, with seed 001's `OPEN_COWORK_GATEWAY_<NAME>_*` as
 * fallbacks). Any other named bridge is a `providers[]` entry using `@cowork-gateway/bridge`.
 */
export const BRIDGE_SHORTCUTS = bridgeEnvPlugins;
export const SHORTCUT_PLUGINS = { pgStore: pgStorePlugin, opencode: opencodeExecutorPlugin, telegram: telegramPlugin, webhook: webhookPlugin, slack: slackPlugin, email: emailPlugin, redis: redisPlugin } as const;

/** Settings the standalone preset reads itself, on top of core's, plus those of its shortcut plugins. */
export const STANDALONE_SETTINGS: readonly SettingSpec[] = [
  ...STORE_SETTINGS,
  ...pluginSettingSpecs(pgStorePlugin),
  ...pluginSettingSpecs(opencodeExecutorPlugin),
  ...OPENCODE_SETTINGS,
  ...pluginSettingSpecs(telegramPlugin),
  ...pluginSettingSpecs(webhookPlugin),
  ...Object.values(bridgeEnvPlugins).flatMap((plugin) => pluginSettingSpecs(plugin)),
  ...pluginSettingSpecs(slackPlugin),
  ...pluginSettingSpecs(emailPlugin),
  ...pluginSettingSpecs(redisPlugin),
];

/** Core's settings with the seed-001 fallback name for PUBLIC_URL. */
const CORE_FOR_STANDALONE = CORE_SETTINGS.map((spec) => (spec.key === 'PUBLIC_URL' ? { ...spec, envAliases: fallback('PUBLIC_URL') } : spec));

export const ALL_STANDALONE_SETTINGS: readonly SettingSpec[] = [...CORE_FOR_STANDALONE, ...STANDALONE_SETTINGS];

/** Store packages the STORE shortcut maps to. */
export const STORE_PACKAGES: Record<string, string> = {
  memory: '@cowork-gateway/memory-store',
  postgres: PG_STORE_PACKAGE,
};
