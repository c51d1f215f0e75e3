/** The workspace, bot and user the fake uses unless told otherwise. */
export const FAKE_TEAM_ID = 'T0FAKE0001';
export const FAKE_BOT_USER_ID = 'U0FAKEBOT1';
export const FAKE_BOT_ID = 'B0FAKEBOT1';
export const FAKE_USER_ID = 'U0FAKEUSR1';
export const FAKE_CHANNEL_ID = 'C0FAKECHN1';
export const FAKE_DM_CHANNEL_ID = 'D0FAKEDM01';

/** Fields of a `message` (or `app_mention`) event; defaults: the fake user in the fake channel. */
export interface MessageEventOptions {
  type?: 'message' | 'app_mention';
  user?: string;
  channel?: string;
  channelType?: 'channel' | 'group' | 'im' | 'mpim';
  ts?: string;
  threadTs?: string;
  subtype?: string;
  botId?: string;
}

let tsCounter = 0;

/** A fresh Slack message timestamp (`<unix seconds>.<6 digits>`), increasing within the process. */
export function nextTs(): string {
  tsCounter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(100000 + (tsCounter % 900000)).padStart(6, '0')}`;
}

/** A `message` / `app_mention` event as Slack puts it in `event_callback.event`. */
export function messageEvent(text: string, options: MessageEventOptions = {}): Record<string, unknown> {
  const channel = options.channel ?? FAKE_CHANNEL_ID;
  const type = options.type ?? 'message';
  return {
    type,
    user: options.user ?? FAKE_USER_ID,
    text,
    ts: options.ts ?? nextTs(),
    channel,
    ...(type === 'message' ? { channel_type: options.channelType ?? (channel.startsWith('D') ? 'im' : 'channel') } : {}),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    ...(options.subtype ? { subtype: options.subtype } : {}),
    ...(options.botId ? { bot_id: options.botId } : {}),
    event_ts: options.ts ?? nextTs(),
  };
}

let eventCounter = 0;

/** An Events API `event_callback` envelope around `event`. */
export function eventCallback(event: Record<string, unknown>, options: { eventId?: string; teamId?: string; eventTime?: number } = {}): Record<string, unknown> {
  eventCounter += 1;
  return {
    token: 'deprecated-verification-token',
    team_id: options.teamId ?? FAKE_TEAM_ID,
    api_app_id: 'A0FAKEAPP1',
    event,
    type: 'event_callback',
    event_id: options.eventId ?? `Ev0FAKE${String(eventCounter).padStart(6, '0')}`,
    event_time: options.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: options.teamId ?? FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true }],
  };
}

/** The `url_verification` request Slack sends when the Request URL is saved. */
export function urlVerification(challenge: string): Record<string, unknown> {
  return { token: 'deprecated-verification-token', challenge, type: 'url_verification' };
}

/** Fields of a `block_actions` payload: who pressed which button value on which message. */
export interface BlockActionsOptions {
  value: string;
  user?: string;
  userName?: string;
  teamId?: string;
  channel?: string;
  messageTs: string;
  threadTs?: string;
  responseUrl?: string;
  triggerId?: string;
}

let triggerCounter = 0;

function nextTriggerId(): string {
  triggerCounter += 1;
  return `${1000000 + triggerCounter}.${Date.now()}.fake${triggerCounter}`;
}

/** An interactivity `block_actions` payload (sent as the `payload` form field). */
export function blockActions(options: BlockActionsOptions): Record<string, unknown> {
  const channel = options.channel ?? FAKE_CHANNEL_ID;
  const team = options.teamId ?? FAKE_TEAM_ID;
  return {
    type: 'block_actions',
    user: { id: options.user ?? FAKE_USER_ID, username: options.userName ?? 'fake.user', name: options.userName ?? 'fake.user', team_id: team },
    api_app_id: 'A0FAKEAPP1',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: options.messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: options.triggerId ?? nextTriggerId(),
    team: { id: team, domain: 'fake-team' },
    channel: { id: channel, name: channel.startsWith('D') ? 'directmessage' : 'fake-channel' },
    message: { type: 'message', ts: options.messageTs, ...(options.threadTs ? { thread_ts: options.threadTs } : {}), text: '' },
    ...(options.responseUrl ? { response_url: options.responseUrl } : {}),
    actions: [{ type: 'button', action_id: options.value, block_id: 'b1', value: options.value, action_ts: `${Date.now() / 1000}` }],
  };
}

/** Fields of a slash command request. */
export interface SlashCommandOptions {
  command: string;
  text?: string;
  user?: string;
  userName?: string;
  teamId?: string;
  channel?: string;
  responseUrl?: string;
  triggerId?: string;
}

/** A slash command request body (form fields, in Slack's order). */
export function slashCommand(options: SlashCommandOptions): URLSearchParams {
  const team = options.teamId ?? FAKE_TEAM_ID;
  const channel = options.channel ?? FAKE_CHANNEL_ID;
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: team,
    team_domain: 'fake-team',
    channel_id: channel,
    channel_name: channel.startsWith('D') ? 'directmessage' : 'fake-channel',
    user_id: options.user ?? FAKE_USER_ID,
    user_name: options.userName ?? 'fake.user',
    command: options.command,
    text: options.text ?? '',
    api_app_id: 'A0FAKEAPP1',
    ...(options.responseUrl ? { response_url: options.responseUrl } : {}),
    trigger_id: options.triggerId ?? nextTriggerId(),
  });
}
