import { DeliveryError, type DeliveryTarget, type OutboundButton, type OutboundMessage } from '@cowork-gateway/core';
import type { InlineKeyboardMarkup, SendMessageParams } from 'node-telegram-bot-api';
import { BotApiError, describeBotApiFailure, type BotApiFailure } from './bot-api-failure.js';

/**
 * The sendMessage parameters for one outbound message: the chat, the forum topic, a reply to
 * the prompting message (still sent if that message is gone), HTML parse mode for the
 * renderer's Telegram HTML, one keyboard row per button row, and no link previews.
 */
export function sendMessageParams(target: DeliveryTarget, message: OutboundMessage): SendMessageParams {
  return { chat_id: target.chatId, text: message.text, ...placement(target), ...presentation(message) };
}

/** How a message's text is shown, shared by sendMessage and editMessageText. */
export function presentation(message: OutboundMessage): Pick<SendMessageParams, 'parse_mode' | 'link_preview_options'> & { reply_markup?: InlineKeyboardMarkup } {
  return {
    ...(message.format === 'telegram-html' ? { parse_mode: 'HTML' } : {}),
    ...(message.buttons && message.buttons.length > 0 ? { reply_markup: inlineKeyboard(message.buttons) } : {}),
    link_preview_options: { is_disabled: true },
  };
}

/** Topic and reply parameters shared by every message the provider sends to a target. */
export function placement(target: DeliveryTarget): Pick<SendMessageParams, 'message_thread_id' | 'reply_parameters'> {
  const thread = integerId(target.threadId);
  const replyTo = integerId(target.replyToMessageId);
  return {
    ...(thread !== undefined ? { message_thread_id: thread } : {}),
    ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
  };
}

/** Telegram inline keyboard: the button's value is its callback_data (the kernel keeps it ≤ 64 bytes). */
export function inlineKeyboard(rows: OutboundButton[][]): InlineKeyboardMarkup {
  return { inline_keyboard: rows.filter((row) => row.length > 0).map((row) => row.map((b) => ({ text: b.label, callback_data: b.value }))) };
}

/**
 * Classifies a failed send for the kernel: 429 → rate_limited with Telegram's retry_after;
 * 403 (blocked, kicked) and 400 (chat not found, bad request) → permanent, a retry cannot
 * succeed; 401 (token revoked), 5xx, network failures and timeouts → transient.
 */
export function deliveryErrorFor(error: unknown, method: string, secret: string): DeliveryError {
  const failure = describeBotApiFailure(method, error, secret);
  const cause = new BotApiError(failure);
  const what = `Telegram ${method} failed: ${failure.errorCode ?? failure.kind} ${failure.description}`;
  if (failure.kind === 'api' && failure.errorCode === 429) {
    const retryAfterMs = Math.max(1, failure.retryAfterSeconds ?? 1) * 1000;
    return new DeliveryError(what, { kind: 'rate_limited', retryAfterMs }, { code: 'telegram.rate_limited', cause });
  }
  if (isPermanent(failure)) return new DeliveryError(what, { kind: 'permanent' }, { code: permanentCode(failure), cause });
  return new DeliveryError(what, { kind: 'transient' }, { code: 'telegram.send_failed', cause });
}

function isPermanent(failure: BotApiFailure): boolean {
  if (failure.kind !== 'api' || failure.errorCode === undefined) return false;
  return failure.errorCode >= 400 && failure.errorCode < 500 && failure.errorCode !== 401 && failure.errorCode !== 429;
}

function permanentCode(failure: BotApiFailure): string {
  return failure.errorCode === 403 ? 'telegram.send_forbidden' : 'telegram.send_rejected';
}

/** Telegram ids are integers; a non-numeric id (never produced by this provider) is left out. */
function integerId(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number(value);
}
