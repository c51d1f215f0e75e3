import type { InboundEvent, JsonObject } from '@cowork-gateway/core';
import type { InboundMail } from './mail.js';
import type { SenderVerdict } from './sender-auth.js';
import { stripQuotedText } from './strip.js';

/** What became of one inbound mail. */
export type NormalizedMail = { outcome: 'event'; event: InboundEvent } | { outcome: 'ignored'; reason: string };

export interface NormalizeContext {
  provider: string;
  instance: string;
  /** The gateway's own address: its own mail is never answered. */
  ownAddress: string;
  allowedDomains: readonly string[];
  now: Date;
}

/** The reply context stored with the event: what a threaded reply needs (no secrets). */
export interface EmailReplyContext extends JsonObject {
  messageId: string;
  references: string[];
  subject: string;
}

/**
 * One mail → one event. The sender's address is both the chat (replies go back to it, never to
 * Reply-To) and the user; the thread is the root of the References chain (its first entry, else
 * In-Reply-To, else the mail's own Message-ID), so every mail of a conversation lands in one
 * session. The prompt is the new text only (quotes and signature stripped); `senderVerified`
 * carries the DMARC verdict for the kernel to deny a forged From.
 */
export function normalizeMail(mail: InboundMail, verdict: SenderVerdict | null, context: NormalizeContext): NormalizedMail {
  if (!mail.from) return { outcome: 'ignored', reason: 'no single valid From address' };
  const { address } = mail.from;
  if (address === context.ownAddress) return { outcome: 'ignored', reason: 'mail from the gateway itself' };
  if (mail.automatic) return { outcome: 'ignored', reason: 'automatic mail (Auto-Submitted or Precedence)' };
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (context.allowedDomains.length > 0 && !context.allowedDomains.includes(domain)) return { outcome: 'ignored', reason: 'sender domain not allowed' };
  const text = stripQuotedText(mail.text);
  const threadId = mail.references[0] ?? mail.inReplyTo ?? mail.messageId;
  const replyContext: EmailReplyContext = { messageId: mail.messageId, references: referencesForReply(mail), subject: mail.subject };
  const event: InboundEvent = {
    provider: context.provider,
    instance: context.instance,
    chatId: address,
    threadId,
    userId: address,
    ...(mail.from.name ? { userName: mail.from.name } : {}),
    eventId: mail.messageId,
    kind: text.startsWith('/') ? 'command' : 'message',
    text,
    messageId: mail.messageId,
    attachments: [],
    receivedAt: context.now,
    replyContext,
    ...(verdict && !verdict.verified ? { senderVerified: false } : {}),
  };
  return { outcome: 'event', event };
}

/** The References of a reply: the mail's chain plus the mail itself (RFC 5322 §3.6.4). */
function referencesForReply(mail: InboundMail): string[] {
  const chain = mail.references.length > 0 ? [...mail.references] : mail.inReplyTo ? [mail.inReplyTo] : [];
  if (!chain.includes(mail.messageId)) chain.push(mail.messageId);
  return chain.length > 30 ? [chain[0]!, ...chain.slice(-29)] : chain;
}
