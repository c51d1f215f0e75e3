/**
 * Builders of Telegram updates for tests, shaped like what the Bot API sends. Each returns an
 * update without `update_id`; {@link FakeTelegram.pushUpdate} assigns one.
 */

/** A Telegram user as it appears in updates. */
export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

/** The default sender of built updates. */
export const FAKE_USER: FakeUser = Object.freeze({ id: 1001, is_bot: false, first_name: 'Alice', username: 'alice' });
/** The default group (a supergroup with topics) of built group updates. */
export const FAKE_GROUP_ID = -1001234567890;

/** An update as pushed to the fake: any Update fields, update_id optional. */
export type FakeUpdate = { update_id?: number } & Record<string, unknown>;

export interface MessageOptions {
  /** Sender; default {@link FAKE_USER}. */
  from?: FakeUser;
  /** Chat id; default the sender's id (private) or {@link FAKE_GROUP_ID} (groups). */
  chatId?: number;
  messageId?: number;
  /** The message this one replies to was written by this user (e.g. the bot). */
  replyTo?: FakeUser;
  /** Extra Message fields, e.g. `{ document: {...} }` or `{ caption: 'x' }`. */
  extra?: Record<string, unknown>;
}

let nextMessageId = 500;

/** A message in a private chat with the sender. */
export function privateMessage(text: string | undefined, options: MessageOptions = {}): FakeUpdate {
  const from = options.from ?? FAKE_USER;
  return { message: message(text, { id: options.chatId ?? from.id, type: 'private', first_name: from.first_name }, options) };
}

/** A message in a group (a supergroup by default). */
export function groupMessage(text: string | undefined, options: MessageOptions & { chatType?: 'group' | 'supergroup' } = {}): FakeUpdate {
  const chat = { id: options.chatId ?? FAKE_GROUP_ID, type: options.chatType ?? 'supergroup', title: 'Team' };
  return { message: message(text, chat, options) };
}

/** A message in a forum topic of a supergroup. */
export function topicMessage(text: string | undefined, threadId: number, options: MessageOptions = {}): FakeUpdate {
  const chat = { id: options.chatId ?? FAKE_GROUP_ID, type: 'supergroup', title: 'Team', is_forum: true };
  return { message: { ...message(text, chat, options), message_thread_id: threadId, is_topic_message: true } };
}

/** An edit of an earlier private message. */
export function editedMessage(text: string, options: MessageOptions = {}): FakeUpdate {
  const update = privateMessage(text, options);
  return { edited_message: { ...(update.message as object), edit_date: Math.floor(Date.now() / 1000) } };
}

/** A press of an inline button with `data`, on a message the bot sent to the chat. */
export function callbackQuery(data: string, options: { from?: FakeUser; chatId?: number; messageId?: number; threadId?: number } = {}): FakeUpdate {
  const from = options.from ?? FAKE_USER;
  const chatId = options.chatId ?? from.id;
  const chat = { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' };
  const card = {
    message_id: options.messageId ?? (nextMessageId += 1),
    date: now(),
    chat,
    from: { id: 4242, is_bot: true, first_name: 'Bot' },
    text: 'card',
    ...(options.threadId !== undefined ? { message_thread_id: options.threadId, is_topic_message: true } : {}),
  };
  return { callback_query: { id: `cbq-${(nextMessageId += 1)}`, from, chat_instance: '42', message: card, data } };
}

function message(text: string | undefined, chat: Record<string, unknown>, options: MessageOptions): Record<string, unknown> {
  return {
    message_id: options.messageId ?? (nextMessageId += 1),
    date: now(),
    chat,
    from: options.from ?? FAKE_USER,
    ...(text !== undefined ? { text } : {}),
    ...(options.replyTo ? { reply_to_message: { message_id: 1, date: now(), chat, from: options.replyTo, text: 'earlier' } } : {}),
    ...options.extra,
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
