/**
 * The outbound request of the webhook and bridge providers: one JSON body per send (`text`,
 * `buttons`, `edit`, `file`, `answer_interaction`) with a fixed key order, the delivery-id and
 * signature headers, and the reading of the receiver's answer. The body holds no clock or random
 * value, so a retry of the same delivery sends the same bytes under the same ids; only the
 * signature timestamp changes.
 *
 * @see docs/webhook-wire.md
 */
import { randomUUID } from 'node:crypto';
import { DeliveryError, type DeliveryFailureClass, type DeliveryTarget, type OutboundButton, type OutboundFile, type OutboundMessage } from '../contracts/provider.js';
import type { JsonObject } from '../contracts/common.js';
import { defineError, registerErrorCode } from '../errors.js';
import { signatureHeaders } from './signature.js';

/** Header repeating the body's `deliveryId`, so a receiver can dedupe before parsing. */
export const DELIVERY_ID_HEADER = 'x-open-cowork-gateway-delivery-id';
/** Longest delivery id and target id, in UTF-8 bytes. */
export const MAX_DELIVERY_ID_BYTES = 512;

registerErrorCode('delivery.response_invalid', 502);

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const DeliveryTargetInvalidBase = defineError<{ instance: string; reason: string }>({
  code: 'delivery.target_invalid',
  status: 400,
  message: ({ instance, reason }) => `cannot deliver through "${instance}": ${reason}`,
});
/** The target belongs to another instance, or one of its ids is unsafe to send. Permanent. */
export class DeliveryTargetInvalid extends DeliveryTargetInvalidBase {
  readonly classification: DeliveryFailureClass = { kind: 'permanent' };
}

const DeliveryIdInvalidBase = defineError<{ reason: string }>({
  code: 'delivery.id_invalid',
  status: 400,
  message: ({ reason }) => `delivery id refused: ${reason}`,
});
/** A delivery id is empty, longer than 512 bytes or has control characters. Permanent. */
export class DeliveryIdInvalid extends DeliveryIdInvalidBase {
  readonly classification: DeliveryFailureClass = { kind: 'permanent' };
}

/** The `type` of a delivery body. */
export type DeliveryType = 'text' | 'buttons' | 'edit' | 'file' | 'answer_interaction';

/** What one delivery carries, by type. */
export type DeliveryContent =
  | { type: 'text'; target: DeliveryTarget; text: string }
  | { type: 'buttons'; target: DeliveryTarget; text: string; buttons: OutboundButton[][] }
  | { type: 'edit'; target: DeliveryTarget; messageId: string; text: string; buttons?: OutboundButton[][] }
  | { type: 'file'; target: DeliveryTarget; file: OutboundFile; caption?: string }
  | { type: 'answer_interaction'; interactionId: string; text?: string; alert?: boolean };

/** Input of {@link buildDeliveryRequest}. */
export interface DeliveryRequestInput {
  /** The idempotency key the kernel gave the send (`<deliveryId>:chunk:<n>` for chunks), unchanged. */
  deliveryId: string;
  /** Provider instance id; sent as `provider` and `providerInstanceId`. */
  instance: string;
  /** Provider kind (`webhook`, `discord`, …); sent as `providerKind`. */
  providerKind: string;
  content: DeliveryContent;
  /** Caller options, sent as `options`. The default value is `{}`. */
  options?: JsonObject;
  /** Shared secret; without one the request is unsigned (the secret itself is never sent). */
  secret?: string;
  /** Signing time. */
  now: Date;
}

/** The bytes and headers of one delivery POST. */
export interface DeliveryRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The content for an {@link OutboundMessage}: `buttons` when it has button rows, else `text`.
 */
export function contentForMessage(target: DeliveryTarget, message: OutboundMessage): DeliveryContent {
  return message.buttons && message.buttons.length > 0
    ? { type: 'buttons', target, text: message.text, buttons: message.buttons }
    : { type: 'text', target, text: message.text };
}

/**
 * Builds the JSON body and headers of one delivery. Key order is fixed: `deliveryId`,
 * `idempotencyKey` (= deliveryId), `provider`, `providerInstanceId`, `providerKind`, `type`, the
 * type's fields, `options`. Throws {@link DeliveryIdInvalid} or {@link DeliveryTargetInvalid}
 * (both permanent).
 */
export function buildDeliveryRequest(input: DeliveryRequestInput): DeliveryRequest {
  const idProblem = unsafeId(input.deliveryId);
  if (idProblem) throw new DeliveryIdInvalid({ reason: idProblem });
  const body = Buffer.from(JSON.stringify({
    deliveryId: input.deliveryId,
    idempotencyKey: input.deliveryId,
    provider: input.instance,
    providerInstanceId: input.instance,
    providerKind: input.providerKind,
    ...typeFields(input.instance, input.content),
    options: input.options ?? {},
  }), 'utf8');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [DELIVERY_ID_HEADER]: input.deliveryId,
    ...(input.secret ? signatureHeaders(input.secret, body, input.now) : {}),
  };
  return { body, headers };
}

function typeFields(instance: string, content: DeliveryContent): JsonObject {
  switch (content.type) {
    case 'text':
      return { type: 'text', target: wireTarget(instance, content.target), text: content.text };
    case 'buttons':
      return { type: 'buttons', target: wireTarget(instance, content.target), text: content.text, buttons: wireButtons(content.buttons) };
    case 'edit': {
      const problem = unsafeId(content.messageId);
      if (problem) throw new DeliveryTargetInvalid({ instance, reason: `messageId ${problem}` });
      return {
        type: 'edit',
        target: wireTarget(instance, content.target),
        text: content.text,
        messageId: content.messageId,
        buttons: wireButtons(content.buttons ?? []),
      };
    }
    case 'file':
      return {
        type: 'file',
        target: wireTarget(instance, content.target),
        text: content.caption ?? null,
        file: {
          filename: content.file.filename,
          mimeType: content.file.mimeType ?? null,
          dataBase64: Buffer.from(content.file.bytes.buffer, content.file.bytes.byteOffset, content.file.bytes.byteLength).toString('base64'),
        },
      };
    case 'answer_interaction': {
      const problem = unsafeId(content.interactionId);
      if (problem) throw new DeliveryTargetInvalid({ instance, reason: `interactionId ${problem}` });
      return { type: 'answer_interaction', interactionId: content.interactionId, text: content.text ?? null, alert: content.alert ?? false };
    }
  }
}

/**
 * The target as sent: `{ provider, chatId, isDirect, threadId, userId, messageId }`, absent
 * values as null. `isDirect` and `userId` come from the reply context the inbound event set.
 */
function wireTarget(instance: string, target: DeliveryTarget): JsonObject {
  if (target.instance !== instance) throw new DeliveryTargetInvalid({ instance, reason: `the target belongs to instance "${target.instance}"` });
  const context = target.replyContext ?? {};
  const userId = typeof context['userId'] === 'string' ? context['userId'] : undefined;
  const ids: Array<[string, string | undefined]> = [['chatId', target.chatId], ['threadId', target.threadId], ['userId', userId], ['messageId', target.replyToMessageId]];
  for (const [name, value] of ids) {
    const problem = value === undefined ? undefined : unsafeId(value);
    if (problem) throw new DeliveryTargetInvalid({ instance, reason: `target ${name} ${problem}` });
  }
  return {
    provider: instance,
    chatId: target.chatId,
    isDirect: context['isDirect'] === true,
    threadId: target.threadId ?? null,
    userId: userId ?? null,
    messageId: target.replyToMessageId ?? null,
  };
}

function wireButtons(rows: OutboundButton[][]): JsonObject[][] {
  return rows.map((row) => row.map((b) => ({ label: b.label, value: b.value, ...(b.style === undefined ? {} : { style: b.style }) })));
}

function unsafeId(value: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is empty';
  if (CONTROL.test(value)) return 'contains control characters';
  if (Buffer.byteLength(value, 'utf8') > MAX_DELIVERY_ID_BYTES) return `is longer than ${MAX_DELIVERY_ID_BYTES} bytes`;
  return undefined;
}

/**
 * The provider message id from a receiver's 2xx body: `{"messageId": "…"}` when present (it must
 * be a safe id, else `delivery.response_invalid`, permanent), otherwise a random UUID. Bodies that
 * are empty or not JSON are accepted: the delivery itself succeeded.
 */
export function readDeliveryResponse(body: Buffer, generateId: () => string = randomUUID): { messageId: string } {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('messageId' in parsed)) return { messageId: generateId() };
  const id = (parsed as { messageId: unknown }).messageId;
  const problem = typeof id === 'string' ? unsafeId(id) : 'is not a string';
  if (problem) {
    throw new DeliveryError(`the receiver answered a messageId that ${problem}`, { kind: 'permanent' }, { code: 'delivery.response_invalid' });
  }
  return { messageId: id as string };
}
