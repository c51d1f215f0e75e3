import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import type { Kernel } from '@cowork-gateway/core';
import { FakeExecutor, fakeExecutorOptions, startTestKernel, until } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { SmtpSink, buildMail, rawMailRequest } from '../src/testing/index.js';
import { AUTHSERV_ID, GATEWAY, SECRET } from './helpers/fixtures.js';
import { createProvider } from './helpers/provider.js';

const ALICE = 'alice@example.test';
const PASS = `${AUTHSERV_ID}; dkim=pass header.d=example.test; dmarc=pass header.from=example.test`;
const FAIL = `${AUTHSERV_ID}; dkim=none; dmarc=fail (p=reject) header.from=example.test`;

describe('email in an in-process kernel (memory store, fake executor, test SMTP server)', () => {
  let sink: SmtpSink;
  let kernel: Kernel;
  let store: MemoryStore;

  beforeEach(async () => {
    sink = await SmtpSink.start();
    store = new MemoryStore({ maxEventsPerSession: 100_000 });
    ({ kernel } = await startTestKernel({
      store,
      executor: new FakeExecutor(v.parse(fakeExecutorOptions, { interactionTimeoutMs: 20_000 })),
      providers: [createProvider(sink, { trustedAuthservId: AUTHSERV_ID })],
      identities: [{ provider: 'email', externalUserId: ALICE, role: 'admin' }],
    }));
  });

  afterEach(async () => {
    await kernel.stop();
    await sink.close();
  });

  const post = async (raw: string): Promise<number> => (await kernel.handleWebhook('email', { ...rawMailRequest(raw, SECRET), params: {}, query: {} })).status;

  it('answers a verified mail with a threaded reply: same subject with Re:, In-Reply-To, References, text and HTML', async () => {
    const raw = buildMail({
      from: `Alice <${ALICE}>`,
      subject: 'Build report',
      messageId: '<m2@example.test>',
      inReplyTo: '<m1@example.test>',
      references: ['<m1@example.test>'],
      text: 'please summarize\n\nOn Mon, 1 Dec 2026 at 10:00, Agent <agent@gateway.test> wrote:\n> earlier answer\n',
      headers: { 'Authentication-Results': PASS },
    });
    expect(await post(raw)).to.equal(202);
    const [reply] = await sink.waitFor(1);
    expect(reply!.rcptTo).to.deep.equal([ALICE]);
    expect(reply!.mailFrom).to.equal(GATEWAY);
    expect(reply!.subject).to.equal('Re: Build report');
    expect(reply!.inReplyTo).to.equal('<m2@example.test>');
    expect(reply!.references).to.deep.equal(['<m1@example.test>', '<m2@example.test>']);
    expect(reply!.text).to.equal('Echo: please summarize');
    expect(reply!.html).to.contain('Echo: please summarize');
    expect(reply!.headers['auto-submitted']).to.equal('auto-replied');
  });

  it('denies and audits a mail whose From fails DMARC although the address is an identity, and sends nothing', async () => {
    const raw = buildMail({ from: ALICE, messageId: '<forged@example.test>', text: 'run rm -rf', headers: { 'Authentication-Results': FAIL } });
    expect(await post(raw)).to.equal(202);
    const deniedEvents = async () => (await store.operator.lists.audit.list({})).filter((a) => a.type.endsWith('.prompt.denied'));
    await until(async () => (await deniedEvents()).length > 0, 5000, 'the denial audit');
    const [denied] = await deniedEvents();
    expect(denied!.metadata).to.include({ reason: 'sender_unverified', provider: 'email' });
    expect(denied!.actor).to.equal(ALICE);
    expect(JSON.stringify(denied)).not.to.contain('rm -rf');
    // A pass mail afterwards is answered: nothing else was sent in between (no backscatter to the forged address).
    expect(await post(buildMail({ from: ALICE, text: 'real one', headers: { 'Authentication-Results': PASS } }))).to.equal(202);
    const mails = await sink.waitFor(1);
    expect(mails.map((m) => m.text)).to.deep.equal(['Echo: real one']);
  });

  it('asks for permission by mail with the exact commands and lets /approve in a reply mail finish the run', async () => {
    expect(await post(buildMail({ from: ALICE, subject: 'Task', messageId: '<p1@example.test>', text: '/permission', headers: { 'Authentication-Results': PASS } }))).to.equal(202);
    const [ask] = await sink.waitFor(1);
    const match = /\/approve (\S+) or \/deny (\S+)/.exec(ask!.text);
    expect(match, ask!.text).to.not.equal(null);
    expect(match![1]).to.equal(match![2]);
    const reply = buildMail({
      from: ALICE,
      subject: 'Re: Task',
      messageId: '<p2@example.test>',
      inReplyTo: ask!.messageId,
      references: ['<p1@example.test>', ask!.messageId],
      text: `/approve ${match![1]}\n\n-- \nAlice\n`,
      headers: { 'Authentication-Results': PASS },
    });
    // The same command from a forged sender (DMARC fail) approves nothing, is audited and gets no answer.
    const forged = reply.replace('<p2@example.test>', '<p2-forged@example.test>').replace(PASS, FAIL);
    expect(await post(forged)).to.equal(202);
    const deniedInteractions = async () => (await store.operator.lists.audit.list({})).filter((a) => a.type.endsWith('.interaction.denied'));
    await until(async () => (await deniedInteractions()).length > 0, 5000, 'the interaction denial audit');
    expect((await deniedInteractions())[0]!.metadata).to.include({ reason: 'sender_unverified', kind: 'permission' });
    expect(sink.received).to.have.length(1);
    expect(await post(reply)).to.equal(202);
    const mails = await sink.waitFor(3, 15_000);
    const texts = mails.map((m) => m.text);
    expect(texts.some((t) => t.startsWith('✅'))).to.equal(true);
    expect(texts.some((t) => t === 'Echo: /permission')).to.equal(true);
    expect(mails.every((m) => m.references[0] === '<p1@example.test>')).to.equal(true);
  });

  it('refuses a webhook without the shared secret with 401', async () => {
    const raw = buildMail({ from: ALICE, text: 'hi', headers: { 'Authentication-Results': PASS } });
    const response = await kernel.handleWebhook('email', { ...rawMailRequest(raw, 'wrong-secret-value-123'), params: {}, query: {} }).catch((error: { status: number }) => ({ status: error.status }));
    expect(response.status).to.equal(401);
  });
});
