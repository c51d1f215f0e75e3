/**
 * Test helpers of `@cowork-gateway/email`: an in-process SMTP server that receives the gateway's
 * mail ({@link SmtpSink}), raw mail building, DKIM keys and signing, a static DNS resolver for
 * mailauth, and webhook requests for the inbound side.
 */
export { SmtpSink, type ReceivedMail, type SmtpFailure, type SmtpSinkOptions } from './smtp-sink.js';
export { buildMail, generateDkimKey, signMail, staticResolver, rawMailRequest, jsonMailRequest, postMail, type MailSpec, type DkimKey } from './mail.js';
