import type { InboundSample } from '@cowork-gateway/core/testing';
import type { SmtpSink } from '../../src/testing/index.js';

export const SECRET = 'email-inbound-secret-for-tests';
export const GATEWAY = 'agent@gateway.test';
export const AUTHSERV_ID = 'mx.gateway.test';

/** The conformance message: an email address as chat and user, a Message-ID as event id. */
export const EMAIL_SAMPLE: InboundSample = Object.freeze({
  eventId: '<conformance-event-1@example.test>',
  chatId: 'conformance-user@example.test',
  userId: 'conformance-user@example.test',
  text: 'hello from the conformance suite',
});

/** Plugin options for an instance sending to `sink` (plaintext, no AUTH: a loopback test server). */
export function sinkOptions(sink: SmtpSink, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { from: GATEWAY, inboundSecret: SECRET, smtp: { host: sink.host, port: sink.port, requireTls: false, timeoutMs: 5000 }, ...extra };
}
