/**
 * The inbound payload of the webhook and bridge providers: a valibot schema, its normalized
 * result, and {@link webhookPayloadToInboundEvent}, which turns that result into core's
 * {@link InboundEvent}. Verification of the signature comes first (signature.ts); this module
 * only judges the shape.
 *
 * @see docs/webhook-wire.md
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { WebhookPayloadInvalid, type GatewayError } from '../errors.js';
import type { InboundAttachment, InboundEvent } from '../contracts/provider.js';
import type { JsonObject } from '../contracts/common.js';

/** Most attachments one inbound payload may carry. */
export const MAX_WEBHOOK_ATTACHMENTS = 20;
/** Default largest attachment, declared or inline: 10 MiB. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Largest interaction token: the same 64 bytes as an {@link OutboundButton} value. */
export const MAX_INTERACTION_TOKEN_BYTES = 64;

// Any C0/C1 control character or DEL; message text may still carry tab, LF and CR.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const COMMAND = /^\/([a-z][a-z0-9_-]*)(?:@[A-Za-z0-9_.-]+)?(?:\s+([\s\S]*))?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A trimmed, non-empty string without control characters and at most `maxBytes` UTF-8 bytes. */
function safeString(maxBytes: number) {
  return v.pipe(
    v.string('expected a string'),
    v.trim(),
    v.nonEmpty('must not be empty'),
    v.check((s) => !CONTROL.test(s), 'must not contain control characters'),
    v.check((s) => bytes(s) <= maxBytes, `must be at most ${maxBytes} UTF-8 bytes`),
  );
}

const textString = v.pipe(
  v.string('expected a string'),
  v.check((s) => !TEXT_CONTROL.test(s), 'must not contain control characters other than tab and line breaks'),
  v.check((s) => bytes(s) <= 65_536, 'must be at most 65536 UTF-8 bytes'),
);

function payloadSchema(maxAttachmentBytes: number) {
  const attachment = v.pipe(
    v.object({
      providerFileId: v.optional(safeString(512)),
      filename: safeString(255),
      mimeType: v.optional(v.pipe(safeString(255), v.regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a type/subtype media type'))),
      sizeBytes: v.optional(v.pipe(
        v.number('expected a number'),
        v.integer('must be a whole number'),
        v.minValue(0, 'must not be negative'),
        v.maxValue(maxAttachmentBytes, `must be at most ${maxAttachmentBytes} bytes`),
      )),
      bufferBase64: v.optional(v.pipe(
        v.string('expected a string'),
        // 4 base64 characters carry 3 bytes: refuse oversized data before decoding any of it.
        v.check((s) => s.length <= Math.ceil(maxAttachmentBytes / 3) * 4, `decodes to more than ${maxAttachmentBytes} bytes`),
        v.check((s) => STRICT_BASE64.test(s) && Buffer.from(s, 'base64').toString('base64') === s, 'must be canonical padded base64'),
        v.check((s) => Buffer.byteLength(s, 'base64') <= maxAttachmentBytes, `decodes to more than ${maxAttachmentBytes} bytes`),
      )),
    }, 'expected an object'),
    v.forward(
      v.check((a) => a.bufferBase64 === undefined || a.sizeBytes === undefined || Buffer.byteLength(a.bufferBase64, 'base64') === a.sizeBytes, 'does not match the decoded size of bufferBase64'),
      ['sizeBytes'],
    ),
    v.forward(
      v.check((a) => a.bufferBase64 !== undefined || a.providerFileId !== undefined, 'an attachment needs bufferBase64 or providerFileId'),
      ['bufferBase64'],
    ),
  );
  return v.object({
    id: v.optional(safeString(512)),
    target: v.object({
      chatId: safeString(512),
      isDirect: v.optional(v.boolean('expected a boolean')),
      threadId: v.optional(safeString(512)),
      userId: v.optional(safeString(512)),
      messageId: v.optional(safeString(512)),
    }, 'expected an object'),
    sender: v.object({
      userId: safeString(512),
      username: v.optional(safeString(256)),
      displayName: v.optional(safeString(512)),
      isBot: v.optional(v.boolean('expected a boolean')),
    }, 'expected an object'),
    text: v.optional(textString),
    rawText: v.optional(textString),
    attachments: v.optional(v.pipe(
      v.array(attachment, 'expected an array'),
      v.maxLength(MAX_WEBHOOK_ATTACHMENTS, `must hold at most ${MAX_WEBHOOK_ATTACHMENTS} attachments`),
    )),
    interaction: v.optional(v.object({
      id: safeString(512),
      // Tokens are button values the gateway made; a bridge must hand them back unchanged.
      token: v.pipe(
        v.string('expected a string'),
        v.nonEmpty('must not be empty'),
        v.check((s) => !CONTROL.test(s), 'must not contain control characters'),
        v.check((s) => bytes(s) <= MAX_INTERACTION_TOKEN_BYTES, `must be at most ${MAX_INTERACTION_TOKEN_BYTES} UTF-8 bytes`),
      ),
      kind: v.optional(safeString(64)),
    }, 'expected an object')),
    receivedAt: v.optional(v.pipe(
      v.string('expected a string'),
      v.regex(ISO_TIME, 'must be an ISO 8601 date-time'),
      v.check((s) => !Number.isNaN(Date.parse(s)), 'must be a real date-time'),
    )),
  }, 'expected an object');
}

/** One attachment after validation; inline bytes are decoded. */
export interface WebhookPayloadAttachment {
  /** `providerFileId`, or `<eventId>:attachment:<n>` (n from 1) for inline-only attachments. */
  id: string;
  filename: string;
  mimeType?: string;
  sizeBytes?: number;
  /** Decoded `bufferBase64`, when the payload carried the bytes inline. */
  bytes?: Buffer;
}

/** A validated inbound payload, trimmed and with defaults applied. */
export interface WebhookPayload {
  /** The payload `id`, or a random UUID when it had none. */
  eventId: string;
  /**
   * False when the payload had no `id`: the event id was made up here, so a resend after a
   * restart cannot be recognised as a duplicate.
   */
  durableId: boolean;
  target: {
    chatId: string;
    isDirect: boolean;
    threadId?: string;
    /** `target.userId`, defaulting to `sender.userId`. */
    userId: string;
    messageId?: string;
  };
  sender: { userId: string; username?: string; displayName?: string; isBot: boolean };
  text?: string;
  rawText?: string;
  /** A `/name args` text command (`@bot` suffix stripped); absent for plain text. */
  command?: { name: string; args: string };
  attachments: WebhookPayloadAttachment[];
  interaction?: { id: string; token: string; kind?: string };
  receivedAt?: Date;
}

/** Options of {@link parseWebhookPayload}. */
export interface ParsePayloadOptions {
  /** Provider instance id, named in errors. */
  instance: string;
  /** Largest attachment, declared or decoded. The default value is 10485760 (10 MiB). */
  maxAttachmentBytes?: number;
  /** Event ids for payloads without `id`. The default value is `crypto.randomUUID`. */
  generateId?: () => string;
}

/**
 * Parses and validates the raw (already signature-checked) body of one inbound webhook.
 *
 * @returns the normalized payload, or `webhook.payload_invalid` whose message and
 *   `details.path` name the first offending field (`target.chatId`). It never throws.
 */
export function parseWebhookPayload(rawBody: Uint8Array | string, options: ParsePayloadOptions): { ok: true; value: WebhookPayload } | { ok: false; error: GatewayError } {
  const { instance } = options;
  const invalid = (path: string, reason: string, cause?: unknown): { ok: false; error: GatewayError } => ({
    ok: false,
    error: new WebhookPayloadInvalid({ instance, reason: path ? `${path}: ${reason}` : reason }, { details: { path }, ...(cause === undefined ? {} : { cause }) }),
  });
  try {
    const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString('utf8');
    if (text.trim().length === 0) return invalid('', 'the body is empty');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      return invalid('', 'the body is not valid JSON', cause);
    }
    const parsed = v.safeParse(payloadSchema(options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES), json, { abortEarly: true });
    if (!parsed.success) {
      const issue = parsed.issues[0];
      return invalid(issuePath(issue.path), issue.message);
    }
    return { ok: true, value: normalize(parsed.output, options) };
  } catch (cause) {
    return invalid('', 'the payload could not be read', cause);
  }
}

function normalize(p: v.InferOutput<ReturnType<typeof payloadSchema>>, options: ParsePayloadOptions): WebhookPayload {
  const eventId = p.id ?? (options.generateId ?? randomUUID)();
  const command = p.text === undefined ? undefined : parseCommand(p.text.trim());
  return {
    eventId,
    durableId: p.id !== undefined,
    target: {
      chatId: p.target.chatId,
      isDirect: p.target.isDirect ?? false,
      ...(p.target.threadId === undefined ? {} : { threadId: p.target.threadId }),
      userId: p.target.userId ?? p.sender.userId,
      ...(p.target.messageId === undefined ? {} : { messageId: p.target.messageId }),
    },
    sender: {
      userId: p.sender.userId,
      ...(p.sender.username === undefined ? {} : { username: p.sender.username }),
      ...(p.sender.displayName === undefined ? {} : { displayName: p.sender.displayName }),
      isBot: p.sender.isBot ?? false,
    },
    ...(p.text === undefined ? {} : { text: p.text }),
    ...(p.rawText === undefined ? {} : { rawText: p.rawText }),
    ...(command ? { command } : {}),
    attachments: (p.attachments ?? []).map((a, i) => ({
      id: a.providerFileId ?? `${eventId}:attachment:${i + 1}`,
      filename: a.filename,
      ...(a.mimeType === undefined ? {} : { mimeType: a.mimeType }),
      ...(a.sizeBytes !== undefined
        ? { sizeBytes: a.sizeBytes }
        : a.bufferBase64 !== undefined ? { sizeBytes: Buffer.byteLength(a.bufferBase64, 'base64') } : {}),
      ...(a.bufferBase64 === undefined ? {} : { bytes: Buffer.from(a.bufferBase64, 'base64') }),
    })),
    ...(p.interaction === undefined ? {} : { interaction: p.interaction }),
    ...(p.receivedAt === undefined ? {} : { receivedAt: new Date(p.receivedAt) }),
  };
}

function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = COMMAND.exec(text);
  return match ? { name: match[1]!, args: (match[2] ?? '').trim() } : undefined;
}

function issuePath(path: v.BaseIssue<unknown>['path']): string {
  return (path ?? []).map((item, i) => (typeof item.key === 'number' ? `[${item.key}]` : `${i === 0 ? '' : '.'}${String(item.key)}`)).join('');
}

/** What {@link webhookPayloadToInboundEvent} adds to a payload. */
export interface InboundEventContext {
  /** Provider kind, e.g. `webhook` or `discord`. */
  provider: string;
  /** Provider instance id. */
  instance: string;
  /** Used when the payload has no `receivedAt`. */
  now: Date;
}

/**
 * Core's {@link InboundEvent} for a validated payload: interaction when it has one, command for
 * `/name args` text (sent as `/name args`, suffix stripped), message otherwise. The target's
 * `isDirect` and `userId` travel in `replyContext` so a reply's delivery body can repeat them
 * ({@link webhookReplyContext}); inline attachment bytes stay with the provider, which serves
 * them from `fetchAttachment` by attachment id.
 */
export function webhookPayloadToInboundEvent(payload: WebhookPayload, context: InboundEventContext): InboundEvent {
  const kind = payload.interaction ? 'interaction' : payload.command ? 'command' : 'message';
  const text = payload.command
    ? `/${payload.command.name}${payload.command.args ? ` ${payload.command.args}` : ''}`
    : payload.text;
  const attachments: InboundAttachment[] = payload.attachments.map((a) => ({
    id: a.id,
    filename: a.filename,
    ...(a.mimeType === undefined ? {} : { mimeType: a.mimeType }),
    ...(a.sizeBytes === undefined ? {} : { sizeBytes: a.sizeBytes }),
  }));
  const userName = payload.sender.username ?? payload.sender.displayName;
  return {
    provider: context.provider,
    instance: context.instance,
    chatId: payload.target.chatId,
    ...(payload.target.threadId === undefined ? {} : { threadId: payload.target.threadId }),
    userId: payload.sender.userId,
    ...(userName === undefined ? {} : { userName }),
    eventId: payload.eventId,
    kind,
    ...(text === undefined ? {} : { text }),
    ...(payload.target.messageId === undefined ? {} : { messageId: payload.target.messageId }),
    attachments,
    ...(payload.interaction ? { interaction: { id: payload.interaction.id, value: payload.interaction.token } } : {}),
    receivedAt: payload.receivedAt ?? context.now,
    replyContext: webhookReplyContext(payload),
  };
}

/** The reply context a webhook event carries: `{ isDirect, userId }` of its target. */
export function webhookReplyContext(payload: WebhookPayload): JsonObject {
  return { isDirect: payload.target.isDirect, userId: payload.target.userId };
}
