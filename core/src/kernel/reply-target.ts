import type { DeliveryTarget, InboundEvent } from '../contracts/provider.js';
import { WebhookPayloadInvalid } from '../errors.js';

/** Largest accepted `replyContext`, serialized: it is stored with the job and every delivery. */
export const MAX_REPLY_CONTEXT_BYTES = 16 * 1024;

/**
 * Where replies to an inbound event go: its chat and thread, as a reply to its message, with its
 * `replyContext` copied unchanged (the provider reads it back in `send`).
 */
export function replyTarget(event: InboundEvent): DeliveryTarget {
  const target: DeliveryTarget = { instance: event.instance, chatId: event.chatId, threadId: event.threadId, replyToMessageId: event.messageId };
  if (event.replyContext !== undefined) target.replyContext = event.replyContext;
  return target;
}

/** Throws webhook.payload_invalid unless a present `replyContext` is a JSON object of bounded size. */
export function assertReplyContext(event: InboundEvent): void {
  const context: unknown = event.replyContext;
  if (context === undefined) return;
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new WebhookPayloadInvalid({ instance: String(event.instance), reason: 'normalized event has a replyContext that is not a JSON object' });
  }
  let serialized: string;
  try {
    serialized = JSON.stringify(context);
  } catch {
    throw new WebhookPayloadInvalid({ instance: String(event.instance), reason: 'normalized event has a replyContext that is not serializable JSON' });
  }
  if (Buffer.byteLength(serialized, 'utf8') > MAX_REPLY_CONTEXT_BYTES) {
    throw new WebhookPayloadInvalid({ instance: String(event.instance), reason: `normalized event has a replyContext over ${MAX_REPLY_CONTEXT_BYTES} bytes` });
  }
}
