import 'reflect-metadata';
import { describeProviderConformance } from '@cowork-gateway/core/testing';
import emailPlugin from '../src/index.js';
import { SmtpSink, buildMail, jsonMailRequest, rawMailRequest } from '../src/testing/index.js';
import { AUTHSERV_ID, EMAIL_SAMPLE, SECRET, sinkOptions } from './helpers/fixtures.js';

describeProviderConformance<SmtpSink>({
  name: 'email (JSON fields, sender auth off)',
  plugin: emailPlugin,
  sample: EMAIL_SAMPLE,
  fake: () => SmtpSink.start(),
  stopFake: (sink) => sink.close(),
  options: (sink) => sinkOptions(sink, { senderAuth: 'off' }),
  inboundRequest: (_sink, sample) => jsonMailRequest({ messageId: sample.eventId, from: `Conformance <${sample.userId}>`, subject: 'hi', text: sample.text }, SECRET),
  forgedRequest: (_sink, sample) => jsonMailRequest({ messageId: sample.eventId, from: sample.userId, text: sample.text }, 'not-the-inbound-secret'),
  failNextSend: (sink, kind) => sink.failNext(kind),
  received: (sink) => sink.received,
});

const rawSample = (sample: typeof EMAIL_SAMPLE): string =>
  buildMail({
    from: `Conformance <${sample.userId}>`,
    messageId: sample.eventId,
    text: sample.text,
    headers: { 'Authentication-Results': `${AUTHSERV_ID}; dkim=pass header.d=example.test; dmarc=pass header.from=example.test` },
  });

describeProviderConformance<SmtpSink>({
  name: 'email (raw RFC 822, trusted Authentication-Results)',
  plugin: emailPlugin,
  sample: EMAIL_SAMPLE,
  fake: () => SmtpSink.start(),
  stopFake: (sink) => sink.close(),
  options: (sink) => sinkOptions(sink, { trustedAuthservId: AUTHSERV_ID }),
  inboundRequest: (_sink, sample) => rawMailRequest(rawSample(sample), SECRET),
  forgedRequest: (_sink, sample) => rawMailRequest(rawSample(sample), null),
  invalidRequest: (_sink, sample) => rawMailRequest(rawSample(sample).replace(/^Message-ID: .*\r\n/m, ''), SECRET),
  failNextSend: (sink, kind) => sink.failNext(kind),
  received: (sink) => sink.received,
});
