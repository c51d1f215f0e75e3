/**
 * The parts of Telegram's Update objects the provider reads. Ids are integers on the wire;
 * strings are tolerated too (the provider stringifies every id it passes on).
 */
export type TgId = number | string;

export interface TgUser {
  id: TgId;
  is_bot?: boolean;
  username?: string;
  first_name?: string;
}

export interface TgChat {
  id: TgId;
  type: string;
}

export interface TgFileRef {
  file_id: string;
  file_unique_id?: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
  width?: number;
  height?: number;
}

export interface TgMessage {
  message_id: TgId;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: TgMessage;
  document?: TgFileRef;
  photo?: TgFileRef[];
  audio?: TgFileRef;
  video?: TgFileRef;
  voice?: TgFileRef;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}

export interface TgUpdate {
  update_id: TgId;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
}

/** The update types the provider asks Telegram for (getUpdates and setWebhook). */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'];

/**
 * Checks the shape of one update (a webhook body, or an element of a getUpdates answer);
 * returns the reason it is unusable, or null. Update types the provider does not read pass.
 */
export function updateShapeProblem(body: unknown): string | null {
  if (!isObject(body)) return 'the body must be a JSON object (a Telegram Update)';
  if (!isId(body.update_id)) return '"update_id" must be an integer';
  for (const field of ['message', 'edited_message'] as const) {
    if (body[field] !== undefined && !isMessage(body[field])) return `"${field}" must have "message_id" and "chat.id"`;
  }
  const query = body.callback_query;
  if (query !== undefined) {
    if (!isObject(query) || typeof query.id !== 'string' || !isObject(query.from) || !isId(query.from.id)) {
      return '"callback_query" must have "id" and "from.id"';
    }
    if (query.message !== undefined && !isMessage(query.message)) return '"callback_query.message" must have "message_id" and "chat.id"';
  }
  return null;
}

function isMessage(value: unknown): boolean {
  return isObject(value) && isId(value.message_id) && isObject(value.chat) && isId(value.chat.id);
}

function isId(value: unknown): value is TgId {
  return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value.length > 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
