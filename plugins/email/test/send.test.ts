import 'reflect-metadata';
import { expect } from 'chai';
import { DeliveryError, isGatewayError } from '@cowork-gateway/core';
import { deliveryErrorFor, replySubject, threadingFor } from '../src/outbound.js';
import { SmtpSink } from '../src/testing/index.js';
import { GATEWAY } from './helpers/fixtures.js';
import { createProvider } from './helpers/provider.js';

const TARGET = { instance: 'email', chatId: 'alice@example.test' };

describe('email outbound (nodemailer to an in-process SMTP server)', () => {
  let sink: SmtpSink;
  afterEach(() => sink.close());

  it('sends a threaded reply from the gateway address with text and HTML, and a Message-ID stable per delivery', async () => {
    sink = await SmtpSink.start();
    const provider = createProvider(sink, { fromName: 'Agent' });
    const target = { ...TARGET, threadId: '<m1@example.test>', replyToMessageId: '<m2@example.test>', replyContext: { messageId: '<m2@example.test>', references: ['<m1@example.test>', '<m2@example.test>'], subject: 'Re: Plan' } };
    const first = await provider.send(target, { text: 'a <b> & "c"', format: 'plain' }, { deliveryId: 'd-1:chunk:1' });
    const again = await provider.send(target, { text: 'a <b> & "c"', format: 'plain' }, { deliveryId: 'd-1:chunk:1' });
    const [mail] = await sink.waitFor(2);
    expect(first.providerMessageId).to.equal(again.providerMessageId).and.match(/^<[0-9a-f]{32}@gateway\.test>$/);
    expect(mail).to.deep.include({ mailFrom: GATEWAY, rcptTo: ['alice@example.test'], subject: 'Re: Plan', text: 'a <b> & "c"', inReplyTo: '<m2@example.test>', messageId: first.providerMessageId, deliveryId: 'd-1:chunk:1' });
    expect(mail!.references).to.deep.equal(['<m1@example.test>', '<m2@example.test>']);
    expect(mail!.from).to.equal(`Agent <${GATEWAY}>`);
    expect(mail!.html).to.contain('a &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('sends a file as an attachment in the thread and refuses one over maxAttachmentBytes', async () => {
    sink = await SmtpSink.start();
    const provider = createProvider(sink, { maxAttachmentBytes: 16 });
    await provider.sendFile!({ ...TARGET, threadId: '<t@example.test>' }, { bytes: Buffer.from('report body'), filename: 'report.txt', mimeType: 'text/plain' }, { deliveryId: 'f-1', caption: 'Your report' });
    const [mail] = await sink.waitFor(1);
    expect(mail!.text).to.equal('Your report');
    expect(mail!.inReplyTo).to.equal('<t@example.test>');
    expect(mail!.attachments).to.have.length(1);
    expect(mail!.attachments[0]).to.deep.include({ filename: 'report.txt', contentType: 'text/plain' });
    expect(mail!.attachments[0]!.content.toString()).to.equal('report body');
    const tooLarge = await provider.sendFile!(TARGET, { bytes: Buffer.alloc(17), filename: 'big.bin' }, { deliveryId: 'f-2' }).catch((e: unknown) => e);
    expect(isGatewayError(tooLarge, 'email.attachment_too_large')).to.equal(true);
  });

  it('logs in with SMTP AUTH, and classifies refused credentials as transient without leaking the password', async () => {
    sink = await SmtpSink.start({ auth: { user: 'gw', pass: 'smtp-password-123' } });
    await createProvider(sink, { smtp: { host: sink.host, port: sink.port, requireTls: false, username: 'gw', password: 'smtp-password-123' } }).send(TARGET, { text: 'authed', format: 'plain' }, { deliveryId: 'a-1' });
    const [mail] = await sink.waitFor(1);
    expect(mail!.user).to.equal('gw');
    const error = await createProvider(sink, { smtp: { host: sink.host, port: sink.port, requireTls: false, username: 'gw', password: 'wrong-password-456' } })
      .send(TARGET, { text: 'x', format: 'plain' }, { deliveryId: 'a-2' })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DeliveryError);
    expect((error as DeliveryError).code).to.equal('email.smtp_auth_failed');
    expect((error as DeliveryError).classification).to.deep.equal({ kind: 'transient' });
    expect((error as Error).message).not.to.contain('wrong-password-456');
  });

  it('refuses to send without STARTTLS when TLS is required, and reports degraded health until a send works', async () => {
    sink = await SmtpSink.start();
    const strict = createProvider(sink, { smtp: { host: sink.host, port: sink.port, timeoutMs: 3000 } });
    const error = await strict.send(TARGET, { text: 'x', format: 'plain' }, { deliveryId: 't-1' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DeliveryError);
    expect((error as DeliveryError).classification.kind).to.equal('transient');
    expect((error as DeliveryError).code).to.equal('email.smtp_tls_failed');
    expect(sink.received).to.have.length(0);
    expect((await strict.health()).state).to.equal('degraded');
  });

  it('refuses a chat id that is not a single address', async () => {
    sink = await SmtpSink.start();
    const error = await createProvider(sink).send({ instance: 'email', chatId: 'a@example.test, b@example.test' }, { text: 'x', format: 'plain' }, { deliveryId: 'r-1' }).catch((e: unknown) => e);
    expect(isGatewayError(error, 'email.recipient_invalid')).to.equal(true);
  });
});

describe('email threading and failure classification', () => {
  it('threads by the thread id alone when there is no reply context, with the default subject', () => {
    expect(threadingFor({ instance: 'e', chatId: 'a@b.test', threadId: '<root@b.test>' }, 'Update')).to.deep.equal({ inReplyTo: '<root@b.test>', references: ['<root@b.test>'], subject: 'Update' });
    expect(threadingFor({ instance: 'e', chatId: 'a@b.test' }, 'Update')).to.deep.equal({ references: [], subject: 'Update' });
    expect(replySubject('RE: x')).to.equal('RE: x');
    expect(threadingFor({ instance: 'e', chatId: 'a@b.test', replyContext: { messageId: '<m@b.test>', references: [], subject: 'Line\r\nBcc: evil@x.test' } }, 'U').subject).to.equal('Re: Line Bcc: evil@x.test');
  });

  it('classifies SMTP replies: 5xx permanent, 421 and "too many" rate limited, other 4xx and network errors transient', () => {
    expect(deliveryErrorFor({ responseCode: 550, response: '550 5.1.1 unknown' }).classification).to.deep.equal({ kind: 'permanent' });
    expect(deliveryErrorFor({ responseCode: 421, response: '421 busy' }).classification).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 60_000 });
    expect(deliveryErrorFor({ responseCode: 451, response: '451 too many recipients' }).classification.kind).to.equal('rate_limited');
    expect(deliveryErrorFor({ responseCode: 451, response: '451 local error' }).classification).to.deep.equal({ kind: 'transient' });
    expect(deliveryErrorFor({ code: 'ECONNECTION' }).code).to.equal('email.send_failed');
    expect(deliveryErrorFor('weird').classification.kind).to.equal('transient');
  });
});
