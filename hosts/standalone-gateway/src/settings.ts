import { CORE_SETTINGS, type SettingSpec } from '@cowork-gateway/core';

/** Every env key of this host is `OPEN_COWORK_STANDALONE_GATEWAY_<KEY>` (seed 000). */
export const STANDALONE_PREFIX = 'OPEN_COWORK_STANDALONE_GATEWAY_';
export const STANDALONE_PACKAGE = '@cowork-gateway/standalone-gateway';
/** Names of the Cloud Channel Gateway (seed 001), read as fallbacks so one env file serves both. */
const CHANNEL_GATEWAY_PREFIX = 'OPEN_COWORK_GATEWAY_';

export const PG_STORE_PACKAGE = '@cowork-gateway/pg-store';
export const OPENCODE_PACKAGE = '@cowork-gateway/opencode-executor';
export const TELEGRAM_PACKAGE = '@cowork-gateway/telegram';

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
  host({ key: 'DATABASE_URL', type: 'string', secret: true, description: 'PostgreSQL connection URL (postgres://user:password@host:5432/db); required when STORE is postgres.' }),
  host({ key: 'DATABASE_SSL', type: 'boolean', default: false, description: 'Connect to PostgreSQL over TLS; any ssl* parameters in the URL are then replaced by the settings below.' }),
  host({ key: 'DATABASE_SSL_REJECT_UNAUTHORIZED', type: 'boolean', default: true, description: "Verify the server's TLS certificate; team and enterprise deployments refuse to start without verification." }),
  host({ key: 'DATABASE_SSL_CA_PATH', type: 'string', description: 'PEM file of the CA that signed the PostgreSQL server certificate.' }),
  host({ key: 'DATABASE_SSL_CERT_PATH', type: 'string', description: 'PEM client certificate for PostgreSQL certificate authentication (optional).' }),
  host({ key: 'DATABASE_SSL_KEY_PATH', type: 'string', description: 'PEM private key of the client certificate (optional).' }),
  host({ key: 'DATABASE_SCHEMA', type: 'string', default: 'public', description: 'PostgreSQL schema holding the gateway tables.' }),
  host({ key: 'DATABASE_POOL_MAX', type: 'integer', default: 10, min: 1, max: 200, description: 'Most PostgreSQL connections one gateway process opens.' }),
  host({ key: 'DATABASE_MIGRATE', type: 'enum', values: ['auto', 'verify'], default: 'auto', description: 'auto applies pending schema migrations at start (under an advisory lock); verify refuses to start until `cowork-standalone-gateway migrate` ran.' }),
];

const OPENCODE_SETTINGS: readonly SettingSpec[] = [
  host({ key: 'OPENCODE_URL', type: 'url', description: 'URL of an OpenCode server you run (loopback or private network only). Unset: the gateway starts and supervises its own private `opencode serve` (OPENCODE_MANAGED).' }),
  host({ key: 'OPENCODE_MANAGED', type: 'boolean', default: true, description: 'Without OPENCODE_URL, spawn a private `opencode serve` on 127.0.0.1 (from the opencode-ai package); false runs without an executor.' }),
  host({ key: 'OPENCODE_SERVER_USERNAME', type: 'string', default: 'opencode', envAliases: ['OPENCODE_SERVER_USERNAME'], description: 'Basic-auth user name of the OpenCode server.' }),
  host({ key: 'OPENCODE_SERVER_PASSWORD', type: 'string', secret: true, envAliases: ['OPENCODE_SERVER_PASSWORD'], description: 'Basic-auth password of the OpenCode server at OPENCODE_URL (a managed server gets a generated one).' }),
  host({ key: 'RUNTIME_ROOT', type: 'string', description: 'Absolute project directory OpenCode sessions work in; default: the current directory (external server) or a workspace under OPENCODE_DATA_DIR (managed).' }),
  host({ key: 'OPENCODE_DATA_DIR', type: 'string', description: "Where a managed OpenCode keeps its state (HOME, XDG dirs); default: a per-process directory under the system temp dir." }),
  host({ key: 'OPENCODE_EXECUTION_TIMEOUT_MS', type: 'integer', min: 1000, max: 86_400_000, description: 'Per-prompt deadline in milliseconds (the seed name); overrides PROMPT_DEADLINE_SECONDS when set.' }),
  host({ key: 'ALLOW_PRIVATE_DNS', type: 'boolean', default: false, description: 'Let an OpenCode host name pass the private-network check without resolving to private addresses.' }),
];

const TELEGRAM_SETTINGS: readonly SettingSpec[] = [
  host({ key: 'TELEGRAM_BOT_TOKEN', type: 'string', secret: true, envAliases: fallback('TELEGRAM_BOT_TOKEN'), description: 'Telegram bot token from @BotFather; setting it enables the Telegram provider.' }),
  host({ key: 'TELEGRAM_PROVIDER_ID', type: 'string', default: 'telegram', description: 'Instance id of the Telegram provider (identities and webhook path use it).' }),
  host({ key: 'TELEGRAM_MODE', type: 'enum', values: ['polling', 'webhook'], default: 'polling', envAliases: fallback('TELEGRAM_MODE'), description: 'polling (long polling, no public URL needed) or webhook (needs a public HTTPS URL and a webhook secret).' }),
  host({ key: 'TELEGRAM_PUBLIC_URL', type: 'url', envAliases: fallback('TELEGRAM_PUBLIC_URL'), description: 'Public HTTPS base URL Telegram posts webhooks to; default: PUBLIC_URL.' }),
  host({ key: 'TELEGRAM_WEBHOOK_SECRET', type: 'string', secret: true, envAliases: fallback('TELEGRAM_WEBHOOK_SECRET'), description: 'Secret Telegram sends in x-telegram-bot-api-secret-token; required in webhook mode.' }),
  host({ key: 'TELEGRAM_API_ROOT', type: 'url', default: 'https://api.telegram.org', envAliases: fallback('TELEGRAM_API_ROOT'), description: 'Bot API base URL (a self-hosted Bot API server, or a test fake).' }),
  host({ key: 'TELEGRAM_RESPOND_IN_GROUPS', type: 'enum', values: ['mentions_and_replies', 'all', 'commands_only'], default: 'mentions_and_replies', envAliases: fallback('TELEGRAM_RESPOND_IN_GROUPS'), description: 'Which group messages prompt the agent; private chats always do.' }),
];

/** Settings the standalone preset reads itself, on top of core's. */
export const STANDALONE_SETTINGS: readonly SettingSpec[] = [...STORE_SETTINGS, ...OPENCODE_SETTINGS, ...TELEGRAM_SETTINGS];

/** Core's settings with the seed-001 fallback name for PUBLIC_URL. */
const CORE_FOR_STANDALONE = CORE_SETTINGS.map((spec) => (spec.key === 'PUBLIC_URL' ? { ...spec, envAliases: fallback('PUBLIC_URL') } : spec));

export const ALL_STANDALONE_SETTINGS: readonly SettingSpec[] = [...CORE_FOR_STANDALONE, ...STANDALONE_SETTINGS];

/** Store packages the STORE shortcut maps to. */
export const STORE_PACKAGES: Record<string, string> = {
  memory: '@cowork-gateway/memory-store',
  postgres: PG_STORE_PACKAGE,
};
