import 'reflect-metadata';
import { expect } from 'chai';
import { createTransport } from 'nodemailer';
import { isGatewayError, type InboundEvent } from '@cowork-gateway/core';
import { SmtpSink, buildMail, generateDkimKey, signMail, staticResolver } from '../src/testing/index.js';
import { createProvider, recordingContext } from './helpers/provider.js';

/** Delivers a raw message to the listener like a sending MTA would. */
async function deliver(port: number, raw: string, from = 'alice@example.test'): Promise<void> {
  const client = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await client.sendMail({ envelope: { from, to: 'agent@gateway.test' }, raw });
  } finally {
    client.close();
  }
}

describe('email SMTP listener (direct delivery)', () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await SmtpSink.start();
  });
  afterEach(() => sink.close());

  it('ingests a DKIM-verified mail received over SMTP, and refuses one without a Message-ID with 550', async () => {
    const key = generateDkimKey();
    const resolver = staticResolver({ 's1._domainkey.example.test': [key.record], '_dmarc.example.test': ['v=DMARC1; p=reject'] });
    const provider = createProvider(sink, { inboundSecret: undefined, smtpListener: { port: 0 } }, { resolver });
    expect(provider.capabilities.inbound).to.equal('both');
    const recorder = recordingContext();
    await provider.start(recorder.ctx);
    try {
      const raw = await signMail(buildMail({ from: 'alice@example.test', messageId: '<smtp1@example.test>', text: 'over smtp' }), { domain: 'example.test', selector: 's1', privateKey: key.privateKey });
      await deliver(provider.smtpPort, raw);
      expect(recorder.ingested).to.have.length(1);
      const event: InboundEvent = recorder.ingested[0]!;
      expect(event).to.deep.include({ eventId: '<smtp1@example.test>', text: 'over smtp', chatId: 'alice@example.test' });
      expect(event).not.to.have.property('senderVerified');
      expect(recorder.progress).to.equal(1);

      const forged = buildMail({ from: 'alice@example.test', messageId: '<smtp2@example.test>', text: 'forged' });
      await deliver(provider.smtpPort, forged, 'mallory@attacker.test');
      expect(recorder.ingested[1]).to.deep.include({ senderVerified: false });

      const noId = buildMail({ from: 'alice@example.test', text: 'no id' }).replace(/^Message-ID: .*\r\n/m, '');
      const refused = await deliver(provider.smtpPort, noId).catch((e: { responseCode?: number }) => e);
      expect(refused).to.have.property('responseCode', 550);
    } finally {
      await provider.stop({ drain: true });
    }
  });

  it('answers 451 when the kernel cannot take the mail, so the sender retries', async () => {
    const provider = createProvider(sink, { senderAuth: 'off', smtpListener: { port: 0 } });
    const recorder = recordingContext();
    await provider.start({ ...recorder.ctx, ingest: async () => Promise.reject(new Error('store down')) });
    try {
      const refused = await deliver(provider.smtpPort, buildMail({ from: 'alice@example.test', text: 'x' })).catch((e: { responseCode?: number }) => e);
      expect(refused).to.have.property('responseCode', 451);
    } finally {
      await provider.stop({ drain: true });
    }
  });

  it('fails start with email.listener_failed when the port is taken', async () => {
    const first = createProvider(sink, { senderAuth: 'off', smtpListener: { port: 0 } });
    await first.start(recordingContext().ctx);
    try {
      const second = createProvider(sink, { senderAuth: 'off', smtpListener: { port: first.smtpPort } });
      const error = await second.start(recordingContext().ctx).catch((e: unknown) => e);
      expect(isGatewayError(error, 'email.listener_failed')).to.equal(true);
    } finally {
      await first.stop({ drain: true });
    }
  });
});
