import type { InboundAttachment, InboundEvent } from '@cowork-gateway/core';
import type { TelegramOptions } from './options.js';
import type { TgCallbackQuery, TgFileRef, TgMessage, TgUpdate } from './telegram-update.js';

/** The bot itself, as learned from getMe; unknown until the first getMe succeeded. */
export interface BotIdentity {
  id: string;
  username: string;
}

/** What normalization needs besides the update. */
export interface NormalizeContext {
  provider: string;
  instance: string;
  bot: BotIdentity | null;
  respondInGroups: TelegramOptions['respondInGroups'];
  now: Date;
}

/**
 * The result of normalizing one update: an event for the kernel, or the reason it is dropped.
 * `callbackQueryId` is set for every button press, so the caller can answer it (stop the
 * spinner) whatever happens to the event.
 */
export type Normalized =
  | { outcome: 'event'; event: InboundEvent; callbackQueryId?: string }
  | { outcome: 'ignored'; reason: string; callbackQueryId?: string };

/**
 * Turns one Telegram update into an InboundEvent. `eventId` is the update_id (the durable
 * dedupe key). Edited messages are ignored on purpose: an edit must not start a second prompt.
 */
export function normalizeUpdate(update: TgUpdate, context: NormalizeContext): Normalized {
  if (update.callback_query) return normalizeCallback(update, update.callback_query, context);
  if (update.message) return normalizeMessage(update, update.message, context);
  if (update.edited_message) return { outcome: 'ignored', reason: 'edited_message' };
  return { outcome: 'ignored', reason: 'unsupported_update' };
}

function normalizeMessage(update: TgUpdate, message: TgMessage, context: NormalizeContext): Normalized {
  if (!message.from) return { outcome: 'ignored', reason: 'no_sender' };
  if (message.from.is_bot) return { outcome: 'ignored', reason: 'bot_message' };
  const chatType = message.chat.type;
  if (chatType !== 'private' && chatType !== 'group' && chatType !== 'supergroup') return { outcome: 'ignored', reason: 'unsupported_chat' };
  const raw = message.text ?? message.caption ?? '';
  const command = parseCommand(raw);
  if (command && !command.addressedTo(context.bot)) return { outcome: 'ignored', reason: 'command_for_another_bot' };
  if (chatType !== 'private' && !isForThisBot(message, raw, command !== null, context)) return { outcome: 'ignored', reason: 'not_addressed' };
  const text = stripMention(command ? command.withoutSuffix : raw, context.bot);
  const hasText = message.text !== undefined || message.caption !== undefined;
  return {
    outcome: 'event',
    event: {
      provider: context.provider,
      instance: context.instance,
      chatId: String(message.chat.id),
      ...threadOf(message),
      userId: String(message.from.id),
      ...userNameOf(message.from),
      eventId: String(update.update_id),
      kind: command ? 'command' : 'message',
      ...(hasText ? { text } : {}),
      messageId: String(message.message_id),
      attachments: attachmentsOf(message),
      receivedAt: context.now,
    },
  };
}

function normalizeCallback(update: TgUpdate, query: TgCallbackQuery, context: NormalizeContext): Normalized {
  const callbackQueryId = query.id;
  if (query.from.is_bot) return { outcome: 'ignored', reason: 'bot_callback', callbackQueryId };
  if (!query.message) return { outcome: 'ignored', reason: 'callback_without_message', callbackQueryId };
  if (query.data === undefined) return { outcome: 'ignored', reason: 'callback_without_data', callbackQueryId };
  return {
    outcome: 'event',
    callbackQueryId,
    event: {
      provider: context.provider,
      instance: context.instance,
      chatId: String(query.message.chat.id),
      ...threadOf(query.message),
      userId: String(query.from.id),
      ...userNameOf(query.from),
      eventId: String(update.update_id),
      kind: 'interaction',
      messageId: String(query.message.message_id),
      attachments: [],
      interaction: { id: query.id, value: query.data },
      receivedAt: context.now,
    },
  };
}

/** A group message is for the bot when the respondInGroups policy says so. */
function isForThisBot(message: TgMessage, text: string, isCommand: boolean, context: NormalizeContext): boolean {
  if (context.respondInGroups === 'all' || isCommand) return true;
  if (context.respondInGroups === 'commands_only') return false;
  return mentions(text, context.bot) || repliesTo(message, context.bot);
}

interface ParsedCommand {
  /** The text with this bot's `@username` suffix removed from the command. */
  withoutSuffix: string;
  addressedTo(bot: BotIdentity | null): boolean;
}

/** `/name` or `/name@bot` at the start of the text (Bot API "bot_command" entity at offset 0). */
function parseCommand(text: string): ParsedCommand | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=\s|$)/.exec(text);
  if (!match) return null;
  const [whole, name, suffix] = match as unknown as [string, string, string | undefined];
  return {
    withoutSuffix: `/${name}${text.slice(whole.length)}`,
    addressedTo: (bot) => suffix === undefined || (bot !== null && suffix.toLowerCase() === bot.username.toLowerCase()),
  };
}

function mentions(text: string, bot: BotIdentity | null): boolean {
  return bot !== null && mentionPattern(bot.username).test(text);
}

function repliesTo(message: TgMessage, bot: BotIdentity | null): boolean {
  const author = message.reply_to_message?.from;
  return bot !== null && author !== undefined && String(author.id) === bot.id;
}

/** Removes `@botname` (any case) so the agent sees what the user asked, not the addressing. */
function stripMention(text: string, bot: BotIdentity | null): string {
  if (!bot) return text.trim();
  return text.replace(new RegExp(mentionPattern(bot.username).source, 'gi'), '$1').replace(/[ \t]{2,}/g, ' ').trim();
}

function mentionPattern(username: string): RegExp {
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])@${escaped}(?![A-Za-z0-9_])`, 'i');
}

/** Forum topics: only messages flagged as topic messages carry a real thread (not reply chains). */
function threadOf(message: TgMessage): { threadId?: string } {
  return message.is_topic_message && message.message_thread_id !== undefined ? { threadId: String(message.message_thread_id) } : {};
}

function userNameOf(user: { username?: string; first_name?: string }): { userName?: string } {
  const name = user.username ?? user.first_name;
  return name ? { userName: name } : {};
}

/** Document, the largest photo size, audio, video and voice, in that order. */
export function attachmentsOf(message: TgMessage): InboundAttachment[] {
  const found: InboundAttachment[] = [];
  if (message.document) found.push(attachment(message.document, 'document', 'application/octet-stream'));
  const photo = largestPhoto(message.photo);
  if (photo) found.push(attachment({ ...photo, file_name: `photo-${photo.file_unique_id ?? photo.file_id}.jpg` }, 'photo.jpg', 'image/jpeg'));
  if (message.audio) found.push(attachment(message.audio, 'audio', undefined));
  if (message.video) found.push(attachment(message.video, 'video.mp4', undefined));
  if (message.voice) found.push(attachment(message.voice, `voice-${message.voice.file_unique_id ?? message.voice.file_id}.ogg`, 'audio/ogg'));
  return found;
}

function attachment(file: TgFileRef, fallbackName: string, fallbackMime: string | undefined): InboundAttachment {
  const mimeType = file.mime_type ?? fallbackMime;
  return {
    id: file.file_id,
    filename: file.file_name ?? fallbackName,
    ...(mimeType ? { mimeType } : {}),
    ...(file.file_size !== undefined ? { sizeBytes: file.file_size } : {}),
  };
}

function largestPhoto(sizes: TgFileRef[] | undefined): TgFileRef | undefined {
  if (!sizes || sizes.length === 0) return undefined;
  const area = (p: TgFileRef): number => p.file_size ?? (p.width ?? 0) * (p.height ?? 0);
  return sizes.reduce((best, p) => (area(p) > area(best) ? p : best));
}
