import { WebhookPayloadInvalid, type InboundEvent, type JsonObject } from '@cowork-gateway/core';

/** What one verified Slack request means for the gateway. */
export type SlackInbound =
  /** Events API `url_verification`: answer with the challenge. */
  | { outcome: 'challenge'; challenge: string }
  /** One event for the kernel; `ack` is how Slack expects the request answered. */
  | { outcome: 'event'; event: InboundEvent; ack: SlackAck; team: string }
  /** Nothing for the kernel (a bot's message, an edit, another event type…); answered with `ack`. */
  | { outcome: 'ignored'; reason: string; ack: SlackAck; team?: string };

/**
 * How the HTTP answer looks: Events API requests get the kernel's default 202 (any 2xx stops
 * Slack's retries); interactivity wants 200; a slash command shows the body to its user, so it
 * gets a short ephemeral acknowledgement.
 */
export type SlackAck = { kind: 'events' } | { kind: 'interaction' } | { kind: 'command'; command: string };

/** What normalization needs to know besides the request. */
export interface NormalizeContext {
  provider: string;
  instance: string;
  /** The app's bot user id (auth.test); its own messages and mentions of it are handled as such. */
  botUserId: string | null;
  channelMessages: 'mentions' | 'all';
  now: Date;
}

type Obj = Record<string, unknown>;

/**
 * Normalizes one verified request: Events API JSON (`url_verification`, `event_callback` with
 * `message` / `app_mention`), interactivity (`payload=` form field, `block_actions`) or a slash
 * command (form fields `command`, `text`, …). Throws `webhook.payload_invalid` for a body that
 * is none of these or lacks the fields its type needs.
 */
export function normalizeSlackRequest(rawBody: Buffer, contentType: string, ctx: NormalizeContext): SlackInbound {
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) return normalizeForm(new URLSearchParams(rawBody.toString('utf8')), ctx);
  return normalizeEventsBody(parseJson(rawBody, ctx.instance, 'the body'), ctx);
}

/**
 * Normalizes one Socket Mode envelope by its type: `events_api` carries the same body as an
 * Events API request, `interactive` an interaction payload, `slash_commands` the slash command
 * fields as a JSON object. Other types are acknowledged and dropped.
 */
export function normalizeSocketEnvelope(type: string, payload: unknown, ctx: NormalizeContext): SlackInbound {
  if (type === 'events_api') return normalizeEventsBody(payload, ctx);
  if (type === 'interactive') return normalizeInteraction(payload, ctx);
  if (type === 'slash_commands') {
    if (!isObject(payload)) throw invalid(ctx, 'the slash command payload is not an object');
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(payload)) if (typeof value === 'string') form.set(key, value);
    return normalizeForm(form, ctx);
  }
  return { outcome: 'ignored', reason: `envelope type ${type.slice(0, 40)}`, ack: { kind: 'events' } };
}

function normalizeEventsBody(body: unknown, ctx: NormalizeContext): SlackInbound {
  if (!isObject(body)) throw invalid(ctx, 'the body is not a JSON object');
  if (body.type === 'url_verification') {
    if (typeof body.challenge !== 'string' || body.challenge.length === 0 || body.challenge.length > 1024) throw invalid(ctx, 'url_verification without a challenge');
    return { outcome: 'challenge', challenge: body.challenge };
  }
  if (body.type === 'event_callback') return normalizeEventCallback(body, ctx);
  if (typeof body.type === 'string' && body.type.length > 0) return { outcome: 'ignored', reason: `envelope type ${body.type.slice(0, 40)}`, ack: { kind: 'events' } };
  throw invalid(ctx, 'the body is neither an Events API envelope, an interaction nor a slash command');
}

// ---- Events API -------------------------------------------------------------------------------

function normalizeEventCallback(body: Obj, ctx: NormalizeContext): SlackInbound {
  const eventId = requiredString(body.event_id, 'event_id', ctx);
  const team = requiredString(body.team_id, 'team_id', ctx);
  const event = body.event;
  if (!isObject(event) || typeof event.type !== 'string') throw invalid(ctx, 'event_callback without an event');
  const ack = { kind: 'events' } as const;
  const ignored = (reason: string): SlackInbound => ({ outcome: 'ignored', reason, ack, team });
  if (event.type !== 'message' && event.type !== 'app_mention') return ignored(`event type ${event.type.slice(0, 40)}`);
  // The bot's own posts come back as message events: answering them would loop. Edits
  // (message_changed), deletions and other system subtypes are not new prompts.
  if (typeof event.bot_id === 'string' || event.subtype === 'bot_message') return ignored('a bot message');
  if (event.subtype !== undefined && event.subtype !== 'thread_broadcast' && event.subtype !== 'file_share') return ignored(`message subtype ${String(event.subtype).slice(0, 40)}`);
  const user = optionalString(event.user);
  if (!user) return ignored('no user');
  if (ctx.botUserId !== null && user === ctx.botUserId) return ignored('the bot\'s own message');
  const channel = requiredString(event.channel, 'event.channel', ctx);
  const ts = requiredString(event.ts, 'event.ts', ctx);
  const direct = event.channel_type === 'im' || channel.startsWith('D');
  // A mention in a channel arrives twice (message and app_mention, different event ids) when the
  // app subscribes to both: each setting takes exactly one of the pair.
  if (!direct && event.type === 'message' && ctx.channelMessages === 'mentions') return ignored('a channel message without a mention');
  if (event.type === 'app_mention' && ctx.channelMessages === 'all') return ignored('app_mention (channel messages arrive as message events)');
  const text = cleanText(typeof event.text === 'string' ? event.text : '', ctx.botUserId);
  const threadTs = optionalString(event.thread_ts);
  // Replies go into the message's thread; a direct message outside a thread is one conversation.
  const threadId = threadTs ?? (direct ? undefined : ts);
  const eventTime = typeof body.event_time === 'number' && Number.isFinite(body.event_time) ? new Date(body.event_time * 1000) : ctx.now;
  const normalized: InboundEvent = {
    provider: ctx.provider,
    instance: ctx.instance,
    workspaceId: team,
    chatId: channel,
    userId: user,
    eventId,
    kind: text.startsWith('/') ? 'command' : 'message',
    text,
    messageId: ts,
    attachments: [],
    receivedAt: eventTime,
  };
  if (threadId !== undefined) normalized.threadId = threadId;
  return { outcome: 'event', event: normalized, ack, team };
}

/** Slack's text with mentions of the bot removed and its three HTML escapes decoded. */
export function cleanText(text: string, botUserId: string | null): string {
  const withoutMention = botUserId ? text.split(`<@${botUserId}>`).join(' ') : text;
  return withoutMention.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/[ \t]{2,}/g, ' ').trim();
}

// ---- interactivity and slash commands (form bodies) -------------------------------------------

function normalizeForm(form: URLSearchParams, ctx: NormalizeContext): SlackInbound {
  if (form.has('ssl_check')) return { outcome: 'ignored', reason: 'ssl_check', ack: { kind: 'interaction' } };
  const payload = form.get('payload');
  if (payload !== null) return normalizeInteraction(parseJson(Buffer.from(payload, 'utf8'), ctx.instance, 'the payload field'), ctx);
  if (form.has('command')) return normalizeCommand(form, ctx);
  throw invalid(ctx, 'a form body without payload or command');
}

function normalizeInteraction(payload: unknown, ctx: NormalizeContext): SlackInbound {
  if (!isObject(payload) || typeof payload.type !== 'string') throw invalid(ctx, 'the interaction payload has no type');
  const ack = { kind: 'interaction' } as const;
  const userObj = isObject(payload.user) ? payload.user : {};
  const team = optionalString(isObject(payload.team) ? payload.team.id : undefined) ?? optionalString(userObj.team_id);
  if (payload.type !== 'block_actions') return { outcome: 'ignored', reason: `interaction type ${payload.type.slice(0, 40)}`, ack, ...(team ? { team } : {}) };
  if (!team) throw invalid(ctx, 'block_actions without team.id');
  const user = requiredString(userObj.id, 'user.id', ctx);
  const actions = Array.isArray(payload.actions) ? payload.actions : [];
  const action = actions[0];
  if (!isObject(action)) throw invalid(ctx, 'block_actions without actions');
  const value = optionalString(action.value) ?? optionalString(action.action_id);
  if (!value) throw invalid(ctx, 'the action has neither value nor action_id');
  const channel = optionalString(isObject(payload.channel) ? payload.channel.id : undefined);
  // Buttons in a modal or on the Home tab have no conversation to answer in.
  if (!channel) return { outcome: 'ignored', reason: 'block_actions outside a conversation', ack, team };
  const message = isObject(payload.message) ? payload.message : {};
  const messageTs = optionalString(message.ts) ?? optionalString(isObject(payload.container) ? payload.container.message_ts : undefined);
  const direct = channel.startsWith('D');
  const threadId = optionalString(message.thread_ts) ?? (direct ? undefined : messageTs);
  const actionTs = optionalString(action.action_ts);
  const pressId = actionTs ?? optionalString(payload.trigger_id);
  if (!pressId) throw invalid(ctx, 'block_actions without action_ts or trigger_id');
  const event: InboundEvent = {
    provider: ctx.provider,
    instance: ctx.instance,
    workspaceId: team,
    chatId: channel,
    userId: user,
    eventId: `block_actions:${optionalString(payload.trigger_id) ?? `${channel}:${pressId}:${user}`}`,
    kind: 'interaction',
    interaction: { id: pressId, value },
    attachments: [],
    receivedAt: ctx.now,
  };
  const userName = optionalString(userObj.username) ?? optionalString(userObj.name);
  if (userName) event.userName = userName;
  if (threadId !== undefined) event.threadId = threadId;
  if (messageTs !== undefined) event.messageId = messageTs;
  const context = responseContext(payload.response_url);
  if (context) event.replyContext = context;
  return { outcome: 'event', event, ack, team };
}

function normalizeCommand(form: URLSearchParams, ctx: NormalizeContext): SlackInbound {
  const command = requiredString(form.get('command'), 'command', ctx);
  if (!/^\/[a-z0-9_-]{1,32}$/i.test(command)) throw invalid(ctx, 'the command is not a slash command name');
  const team = requiredString(form.get('team_id'), 'team_id', ctx);
  const user = requiredString(form.get('user_id'), 'user_id', ctx);
  const channel = requiredString(form.get('channel_id'), 'channel_id', ctx);
  const trigger = requiredString(form.get('trigger_id'), 'trigger_id', ctx);
  const args = cleanText(form.get('text') ?? '', ctx.botUserId);
  const event: InboundEvent = {
    provider: ctx.provider,
    instance: ctx.instance,
    workspaceId: team,
    chatId: channel,
    userId: user,
    eventId: `command:${trigger}`,
    kind: 'command',
    text: args ? `${command.toLowerCase()} ${args}` : command.toLowerCase(),
    attachments: [],
    receivedAt: ctx.now,
  };
  const userName = optionalString(form.get('user_name'));
  if (userName) event.userName = userName;
  const context = responseContext(form.get('response_url'));
  if (context) event.replyContext = context;
  return { outcome: 'event', event, ack: { kind: 'command', command: command.toLowerCase() }, team };
}

/** Slack's response_url, kept so a reply can still reach a channel the bot is not a member of. */
function responseContext(value: unknown): JsonObject | undefined {
  const url = optionalString(value);
  if (!url || url.length > 512) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? { responseUrl: url } : undefined;
  } catch {
    return undefined;
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function parseJson(raw: Buffer, instance: string, what: string): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new WebhookPayloadInvalid({ instance, reason: `${what} is not valid JSON` });
  }
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}

function requiredString(value: unknown, field: string, ctx: NormalizeContext): string {
  const text = optionalString(value);
  if (text === undefined || text.length > 512 || /[\u0000-\u001f]/.test(text)) throw invalid(ctx, `${field} is missing or not a short string`);
  return text;
}

function invalid(ctx: NormalizeContext, reason: string): Error {
  return new WebhookPayloadInvalid({ instance: ctx.instance, reason });
}
