import { defineError } from '@cowork-gateway/core';

/** A file larger than maxAttachmentBytes was to be sent. */
export const EmailAttachmentTooLarge = defineError<{ instance: string; filename: string; limit: number }>({
  code: 'email.attachment_too_large',
  status: 413,
  message: ({ instance, filename, limit }) =>
    `email.attachment_too_large: file "${filename}" on provider "${instance}" is larger than the ${limit}-byte limit (option maxAttachmentBytes, OPEN_COWORK_STANDALONE_GATEWAY_EMAIL_MAX_ATTACHMENT_BYTES)`,
});

/** A reply target that is not a mail address (never produced by this provider). */
export const EmailRecipientInvalid = defineError<{ instance: string }>({
  code: 'email.recipient_invalid',
  status: 400,
  message: ({ instance }) => `email.recipient_invalid: provider "${instance}" was asked to send to a chat id that is not a single email address`,
});

/** The SMTP listener could not bind. */
export const EmailListenerFailed = defineError<{ instance: string; host: string; port: number; reason: string }>({
  code: 'email.listener_failed',
  status: 500,
  message: ({ instance, host, port, reason }) =>
    `email.listener_failed: provider "${instance}" could not listen for SMTP on ${host}:${port}: ${reason}; change OPEN_COWORK_STANDALONE_GATEWAY_EMAIL_SMTP_LISTEN_PORT (option smtpListener.port)`,
});
