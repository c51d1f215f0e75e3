import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { messageIdList } from '../src/mail.js';
import { stripQuotedText } from '../src/strip.js';
import { SmtpSink, buildMail, jsonMailRequest, rawMailRequest } from '../src/testing/index.js';
import { senderField } from '../src/webhook.js';
import { AUTHSERV_ID, GATEWAY, SECRET } from './helpers/fixtures.js';
import { createProvider } from './helpers/provider.js';

const PASS = { 'Authentication-Results': `${AUTHSERV_ID}; dmarc=pass header.from=example.test` };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isGatewayError(error) ? error.code : String(error);
  }
  return 'resolved';
}

describe('email inbound webhook', () => {
  let sink: SmtpSink;
  before(async () => {
    sink = await SmtpSink.start();
  });
  after(() => sink.close());

  const provider = (extra: Record<string, unknown> = {}) => createProvider(sink, { trustedAuthservId: AUTHSERV_ID, ...extra });

  it('accepts the secret in its header or as a Bearer token, and refuses a wrong, missing or unconfigured one with 401', async () => {
    const raw = buildMail({ from: 'alice@example.test', text: 'hi', headers: PASS });
    expect((await provider().handleWebhook(rawMailRequest(raw, SECRET))).events).to.have.length(1);
    const bearer = rawMailRequest(raw, null);
    bearer.headers.authorization = `Bearer ${SECRET}`;
    expect((await provider().handleWebhook(bearer)).events).to.have.length(1);
    expect(await codeOf(provider().handleWebhook(rawMailRequest(raw, 'x'.repeat(SECRET.length))))).to.equal('webhook.signature_invalid');
    expect(await codeOf(provider().handleWebhook(rawMailRequest(raw, null)))).to.equal('webhook.signature_invalid');
    const noSecret = createProvider(sink, { inboundSecret: undefined });
    expect(await codeOf(noSecret.handleWebhook(rawMailRequest(raw, SECRET)))).to.equal('webhook.signature_invalid');
  });

  it('maps a mail to one event: sender as chat and user, Message-ID as event id, thread root as thread, reply context', async () => {
    const raw = buildMail({
      from: '"Alice A." <Alice@Example.test>',
      subject: 'Plan',
      messageId: '<m3@example.test>',
      inReplyTo: '<r2@gateway.test>',
      references: ['<m1@example.test>', '<r2@gateway.test>'],
      text: 'Go ahead.\n\nOn Tue, 2 Dec 2026 at 09:00, Agent <agent@gateway.test> wrote:\n> Shall I?\n',
      headers: PASS,
    });
    const [event] = (await provider().handleWebhook(rawMailRequest(raw, SECRET))).events;
    expect(event).to.deep.include({
      provider: 'email',
      instance: 'email',
      chatId: 'alice@example.test',
      userId: 'alice@example.test',
      userName: 'Alice A.',
      eventId: '<m3@example.test>',
      messageId: '<m3@example.test>',
      threadId: '<m1@example.test>',
      kind: 'message',
      text: 'Go ahead.',
    });
    expect(event!.replyContext).to.deep.equal({ messageId: '<m3@example.test>', references: ['<m1@example.test>', '<r2@gateway.test>', '<m3@example.test>'], subject: 'Plan' });
    expect(event).not.to.have.property('senderVerified');
  });

  it('reads the relay JSON fields, a raw message inside JSON, and base64', async () => {
    const fields = await provider({ senderAuth: 'off' }).handleWebhook(
      jsonMailRequest({ id: 'j1@example.test', sender: { email: 'Bob@example.test', name: 'Bob' }, body: '/approve abc', subject: 'Re: x', inReplyTo: '<root@example.test>', references: '<root@example.test>' }, SECRET),
    );
    expect(fields.events[0]).to.deep.include({ eventId: '<j1@example.test>', chatId: 'bob@example.test', userName: 'Bob', kind: 'command', text: '/approve abc', threadId: '<root@example.test>' });
    const raw = buildMail({ from: 'carol@example.test', text: 'inside json', headers: PASS });
    expect((await provider().handleWebhook(jsonMailRequest({ raw }, SECRET))).events[0]).to.deep.include({ text: 'inside json', chatId: 'carol@example.test' });
    expect((await provider().handleWebhook(jsonMailRequest({ rawBase64: Buffer.from(raw).toString('base64') }, SECRET))).events[0]).to.deep.include({ text: 'inside json' });
  });

  it('marks a sender it cannot verify as unverified (the kernel denies it)', async () => {
    const raw = buildMail({ from: 'alice@example.test', text: 'hi', headers: { 'Authentication-Results': `${AUTHSERV_ID}; dmarc=fail header.from=example.test` } });
    const [event] = (await provider().handleWebhook(rawMailRequest(raw, SECRET))).events;
    expect(event).to.deep.include({ senderVerified: false, userId: 'alice@example.test' });
    const fields = await provider().handleWebhook(jsonMailRequest({ messageId: '<f@example.test>', from: 'alice@example.test', text: 'hi' }, SECRET));
    expect(fields.events[0]).to.deep.include({ senderVerified: false });
  });

  it('ignores its own mail, auto-replies, list mail, other domains and mail without one From address', async () => {
    const allowOnly = provider({ allowedDomains: ['Example.test'] });
    const cases = [
      buildMail({ from: GATEWAY, text: 'echo', headers: PASS }),
      buildMail({ from: 'alice@example.test', text: 'out of office', headers: { ...PASS, 'Auto-Submitted': 'auto-replied' } }),
      buildMail({ from: 'alice@example.test', text: 'newsletter', headers: { ...PASS, Precedence: 'bulk' } }),
      buildMail({ from: 'mallory@elsewhere.test', text: 'hi', headers: PASS }),
      buildMail({ from: 'alice@example.test, bob@example.test', text: 'two', headers: PASS }),
    ];
    for (const raw of cases) expect((await allowOnly.handleWebhook(rawMailRequest(raw, SECRET))).events, raw.slice(0, 80)).to.deep.equal([]);
    expect((await allowOnly.handleWebhook(rawMailRequest(buildMail({ from: 'alice@example.test', text: 'ok', headers: { ...PASS, 'Auto-Submitted': 'no' } }), SECRET))).events).to.have.length(1);
  });

  it('rejects a mail without a Message-ID, an empty raw body and a non-object JSON body with 400', async () => {
    const raw = buildMail({ from: 'alice@example.test', text: 'hi' }).replace(/^Message-ID: .*\r\n/m, '');
    expect(await codeOf(provider().handleWebhook(rawMailRequest(raw, SECRET)))).to.equal('webhook.payload_invalid');
    expect(await codeOf(provider().handleWebhook(rawMailRequest('', SECRET)))).to.equal('webhook.payload_invalid');
    expect(await codeOf(provider().handleWebhook({ ...jsonMailRequest({}, SECRET), body: ['not', 'an', 'object'] }))).to.equal('webhook.payload_invalid');
    expect(await codeOf(provider().handleWebhook(jsonMailRequest({ messageId: 'no spaces allowed@x y', from: 'a@example.test' }, SECRET)))).to.equal('webhook.payload_invalid');
  });
});

describe('email parsing helpers', () => {
  it('parses senders as "Name <addr>", bare addresses and objects, bounded, and refuses non-addresses', () => {
    expect(senderField('Alice <ALICE@example.test>')).to.deep.equal({ address: 'alice@example.test', name: 'Alice' });
    expect(senderField('"Bob B" <bob@example.test>')).to.deep.equal({ address: 'bob@example.test', name: 'Bob B' });
    expect(senderField(' carol@example.test ')).to.deep.equal({ address: 'carol@example.test' });
    expect(senderField({ address: 'dan@example.test' })).to.deep.equal({ address: 'dan@example.test' });
    expect(senderField('not an address')).to.equal(null);
    expect(senderField(`${'a'.repeat(2000)}@example.test`)).to.equal(null);
    expect(senderField(42)).to.equal(null);
  });

  it('reads References as a string or an array, deduplicated, keeping the root when trimming long chains', () => {
    expect(messageIdList('<a@x.test> <b@x.test>\r\n <a@x.test>')).to.deep.equal(['<a@x.test>', '<b@x.test>']);
    expect(messageIdList(['<a@x.test>', 'b@x.test', 7])).to.deep.equal(['<a@x.test>', '<b@x.test>']);
    const long = Array.from({ length: 50 }, (_, i) => `<m${i}@x.test>`);
    const kept = messageIdList(long.join(' '));
    expect(kept).to.have.length(30);
    expect(kept[0]).to.equal('<m0@x.test>');
    expect(kept.at(-1)).to.equal('<m49@x.test>');
  });

  it('strips quoted replies and signatures from the prompt', () => {
    expect(stripQuotedText('Yes, do it.\r\n\r\nOn Mon, Dec 1, 2026 at 10:00 AM Agent <a@b.test> wrote:\r\n> old\r\n')).to.equal('Yes, do it.');
    expect(stripQuotedText('Short answer\n\n-- \nAlice\nCEO')).to.equal('Short answer');
    expect(stripQuotedText('Ok\n\nSent from my iPhone')).to.equal('Ok');
    expect(stripQuotedText('Fine\n\n-----Original Message-----\nFrom: x')).to.equal('Fine');
    expect(stripQuotedText('Go\n\nFrom: Agent <a@b.test>\nSent: Monday\nTo: me')).to.equal('Go');
    expect(stripQuotedText('Reply\n________________________________\nFrom: x')).to.equal('Reply');
    expect(stripQuotedText('Top\n> quoted inline\nbottom')).to.equal('Top\nbottom');
    expect(stripQuotedText('Oui\n\nLe lun. 1 déc. 2026 à 10:00, Agent <a@b.test> a écrit :\n> vieux')).to.equal('Oui');
    expect(stripQuotedText('Sure\n\nOn Mon, 1 Dec 2026 at 10:00, Agent Name <agent@gateway.test>\nwrote:\n> x')).to.equal('Sure');
    expect(stripQuotedText('On my way to fix it\nthanks')).to.equal('On my way to fix it\nthanks');
  });
});
