import * as v from 'valibot';
import { secret, token, type PluginSetting } from '@cowork-gateway/core';

/** The bot command menu registered with setMyCommands on every start. */
export const DEFAULT_COMMANDS: readonly { command: string; description: string }[] = Object.freeze([
  { command: 'start', description: 'Start talking to the agent' },
  { command: 'help', description: 'How to use this bot' },
  { command: 'approve', description: 'Allow a pending request: /approve <id> [always]' },
  { command: 'deny', description: 'Deny a pending request: /deny <id>' },
  { command: 'answer', description: 'Answer a question: /answer <id> <number or text>' },
]);

const command = v.strictObject({
  // Bot API BotCommand: 1-32 characters, lowercase letters, digits and underscores.
  command: v.pipe(v.string(), v.regex(/^[a-z0-9_]{1,32}$/, 'a command is 1-32 lowercase letters, digits or underscores, without "/"')),
  description: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
});

/** Options of `@cowork-gateway/telegram`; only `token` is required. */
export const telegramOptions = v.strictObject({
  token: v.pipe(
    v.string(),
    v.minLength(1, 'the bot token is empty'),
    secret(),
    v.description('Bot token from @BotFather (OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_BOT_TOKEN). Secret: never logged.'),
  ),
  mode: v.optional(
    v.pipe(v.picklist(['polling', 'webhook']), v.description('How updates arrive: long polling with getUpdates, or a webhook. Default "polling".')),
    'polling',
  ),
  publicUrl: v.optional(
    v.pipe(v.string(), v.description('Public https base URL of the gateway; webhook mode registers <publicUrl>/webhooks/<instance>. Required in webhook mode.')),
  ),
  webhookSecret: v.optional(
    v.pipe(v.string(), secret(), v.description('Secret Telegram sends in x-telegram-bot-api-secret-token (1-256 of A-Z a-z 0-9 _ -). Required in webhook mode.')),
  ),
  apiRoot: v.optional(
    v.pipe(v.string(), v.url(), v.description('Bot API origin. Default "https://api.telegram.org"; tests point it at a loopback fake.')),
    'https://api.telegram.org',
  ),
  respondInGroups: v.optional(
    v.pipe(
      v.picklist(['mentions_and_replies', 'all', 'commands_only']),
      v.description('Which group messages reach the agent: ones that mention or reply to the bot (and commands to it), all, or commands only. Default "mentions_and_replies".'),
    ),
    'mentions_and_replies',
  ),
  maxAttachmentBytes: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.description('Largest attachment fetched, in bytes. Default 20971520 (20 MiB, the Bot API download limit).')),
    20_971_520,
  ),
  pollTimeoutSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(50), v.description('Long-poll wait passed to getUpdates, in seconds. Default 30.')),
    30,
  ),
  pollStallGraceMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.description('A poll not answered within pollTimeoutSeconds plus this is aborted and restarted. Default 15000.')),
    15_000,
  ),
  commands: v.optional(
    v.pipe(v.array(command), v.maxLength(100), v.description('Command menu set with setMyCommands on every start. Default: start, help, approve, deny, answer.')),
    () => DEFAULT_COMMANDS.map((c) => ({ ...c })),
  ),
});

/** Parsed options of the Telegram provider. */
export type TelegramOptions = v.InferOutput<typeof telegramOptions>;

/** Injection token of the parsed {@link TelegramOptions}. */
export const TELEGRAM_OPTIONS = token<TelegramOptions>('telegram.options');

/** Seed 001's names (the Cloud Channel Gateway), read as fallbacks so one env file serves both gateways. */
const channelGateway = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${key}`];

/** The flat settings (seed names) that fill these options when a host selects Telegram from env. */
export const telegramSettings: readonly PluginSetting[] = [
  { key: 'TELEGRAM_BOT_TOKEN', option: 'token', type: 'string', secret: true, envAliases: channelGateway('TELEGRAM_BOT_TOKEN'), description: 'Telegram bot token from @BotFather; setting it enables the Telegram provider.' },
  { key: 'TELEGRAM_PROVIDER_ID', type: 'string', default: 'telegram', description: 'Instance id of the Telegram provider (identities and webhook path use it).' },
  { key: 'TELEGRAM_MODE', option: 'mode', type: 'enum', values: ['polling', 'webhook'], default: 'polling', envAliases: channelGateway('TELEGRAM_MODE'), description: 'polling (long polling, no public URL needed) or webhook (needs a public HTTPS URL and a webhook secret).' },
  { key: 'TELEGRAM_PUBLIC_URL', option: 'publicUrl', fallback: 'PUBLIC_URL', type: 'url', envAliases: channelGateway('TELEGRAM_PUBLIC_URL'), description: 'Public HTTPS base URL Telegram posts webhooks to; default: PUBLIC_URL.' },
  { key: 'TELEGRAM_WEBHOOK_SECRET', option: 'webhookSecret', type: 'string', secret: true, envAliases: channelGateway('TELEGRAM_WEBHOOK_SECRET'), description: 'Secret Telegram sends in x-telegram-bot-api-secret-token; required in webhook mode.' },
  { key: 'TELEGRAM_API_ROOT', option: 'apiRoot', type: 'url', default: 'https://api.telegram.org', envAliases: channelGateway('TELEGRAM_API_ROOT'), description: 'Bot API base URL (a self-hosted Bot API server, or a test fake).' },
  { key: 'TELEGRAM_RESPOND_IN_GROUPS', option: 'respondInGroups', type: 'enum', values: ['mentions_and_replies', 'all', 'commands_only'], default: 'mentions_and_replies', envAliases: channelGateway('TELEGRAM_RESPOND_IN_GROUPS'), description: 'Which group messages prompt the agent; private chats always do.' },
];
