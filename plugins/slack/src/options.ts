import * as v from 'valibot';
import { secret, token, type PluginSetting } from '@cowork-gateway/core';

/** Slack's Web API base, as the SDK uses it. */
export const SLACK_API_URL = 'https://slack.com/api/';

/** Options of `@cowork-gateway/slack`; `botToken` always, then `signingSecret` (events mode) or `appToken` (socket mode). */
export const slackOptions = v.strictObject({
  botToken: v.pipe(
    v.string(),
    v.minLength(1, 'the bot token is empty'),
    secret(),
    v.description('Bot User OAuth Token (xoxb-…) of the Slack app (OPEN_COWORK_STANDALONE_GATEWAY_SLACK_BOT_TOKEN). Secret: never logged.'),
  ),
  signingSecret: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, 'the signing secret is empty'),
      secret(),
      v.description('Signing Secret of the Slack app (Basic Information → App Credentials); every inbound HTTP request is verified with it. Required in events mode. Secret: never logged.'),
    ),
  ),
  mode: v.optional(
    v.pipe(
      v.picklist(['events', 'socket']),
      v.description('How Slack reaches the gateway: "events" (Events API, interactivity and slash commands over signed HTTP at /webhooks/<instance>; needs a public URL) or "socket" (Socket Mode: the gateway opens a WebSocket to Slack; needs appToken, no public URL). Default "events".'),
    ),
    'events',
  ),
  appToken: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, 'the app-level token is empty'),
      secret(),
      v.description('App-level token (xapp-…, scope connections:write) for Socket Mode. Required in socket mode. Secret: never logged.'),
    ),
  ),
  teamId: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[TE][A-Z0-9]{2,30}$/, 'a Slack team id looks like T0123ABCD'),
      v.description('Only accept requests from this workspace (team id, e.g. T0123ABCD). Default: any workspace the app is installed in; identities are scoped by team id either way.'),
    ),
  ),
  apiUrl: v.optional(
    v.pipe(v.string(), v.url(), v.description('Web API base URL. Default "https://slack.com/api/"; tests point it at a loopback fake.')),
    SLACK_API_URL,
  ),
  channelMessages: v.optional(
    v.pipe(
      v.picklist(['mentions', 'all']),
      v.description('Which channel messages reach the agent: "mentions" (app_mention events) or "all" (message events of every channel the app is in). Direct messages always do. Default "mentions".'),
    ),
    'mentions',
  ),
  signatureWindowSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600), v.description('Largest accepted distance between x-slack-request-timestamp and the gateway clock, in seconds. Default 300 (Slack\'s 5 minutes).')),
    300,
  ),
  requestTimeoutMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000), v.description('Timeout of one Web API call, in milliseconds. Default 15000.')),
    15_000,
  ),
});

/** Parsed options of the Slack provider. */
export type SlackOptions = v.InferOutput<typeof slackOptions>;

/** Injection token of the parsed {@link SlackOptions}. */
export const SLACK_OPTIONS = token<SlackOptions>('slack.options');

/** Seed 001's names (the Cloud Channel Gateway), read as fallbacks so one env file serves both gateways. */
const channelGateway = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${key}`];

/** The flat settings (the reference's names) that fill these options when a host selects Slack from env. */
export const slackSettings: readonly PluginSetting[] = [
  { key: 'SLACK_BOT_TOKEN', option: 'botToken', type: 'string', secret: true, envAliases: channelGateway('SLACK_BOT_TOKEN'), description: 'Slack Bot User OAuth Token (xoxb-…); setting it enables the Slack provider.' },
  { key: 'SLACK_SIGNING_SECRET', option: 'signingSecret', type: 'string', secret: true, envAliases: channelGateway('SLACK_SIGNING_SECRET'), description: 'Signing Secret of the Slack app; required in events mode, every Events API, interactivity and slash-command request is verified with it.' },
  { key: 'SLACK_MODE', option: 'mode', type: 'enum', values: ['events', 'socket'], default: 'events', description: 'events (signed HTTP requests from Slack; needs a public HTTPS URL) or socket (Socket Mode WebSocket; needs SLACK_APP_TOKEN, no public URL).' },
  { key: 'SLACK_APP_TOKEN', option: 'appToken', type: 'string', secret: true, envAliases: channelGateway('SLACK_APP_TOKEN'), description: 'Slack app-level token (xapp-…, scope connections:write); required in socket mode.' },
  { key: 'SLACK_PROVIDER_ID', type: 'string', default: 'slack', description: 'Instance id of the Slack provider (identities and the /webhooks/<id> path use it).' },
  { key: 'SLACK_TEAM_ID', option: 'teamId', type: 'string', envAliases: channelGateway('SLACK_TEAM_ID'), description: 'Only accept requests from this Slack workspace (team id); default: any workspace the app is installed in.' },
  { key: 'SLACK_API_BASE_URL', option: 'apiUrl', type: 'url', default: SLACK_API_URL, envAliases: channelGateway('SLACK_API_BASE_URL'), description: 'Slack Web API base URL (a test fake).' },
  { key: 'SLACK_CHANNEL_MESSAGES', option: 'channelMessages', type: 'enum', values: ['mentions', 'all'], default: 'mentions', description: 'Which channel messages prompt the agent: mentions of the app, or all messages in channels it is in; direct messages always do.' },
];
