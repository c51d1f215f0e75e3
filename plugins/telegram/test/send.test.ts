import 'reflect-metadata';
import { expect } from 'chai';
import { DeliveryError, classifyDeliveryFailure, type DeliveryTarget, type OutboundMessage } from '@cowork-gateway/core';
import { startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { TOKEN } from './helpers/fixtures.js';
import { startProvider, type Harness } from './helpers/provider.js';

const PRIVATE: DeliveryTarget = { instance: 'tg', chatId: '1001' };
const TOPIC: DeliveryTarget = { instance: 'tg', chatId: '-1001234567890', threadId: '77', replyToMessageId: '512' };
const HTML: OutboundMessage = { text: '<b>Done</b> &lt;ok&gt;', format: 'telegram-html' };

describe('TelegramProvider sending', () => {
  let fake: FakeTelegram;
  let harness: Harness;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    // Telegram only lets a bot write to chats whose users wrote to it first.
    fake.addChat(PRIVATE.chatId);
    fake.addChat(TOPIC.chatId);
    harness = await startProvider(fake);
  });

  afterEach(async () => {
    await harness.stop();
    await fake.close();
  });

  async function sendFailure(message: OutboundMessage = { text: 'x', format: 'plain' }): Promise<DeliveryError> {
    try {
      await harness.provider.send(PRIVATE, message, { deliveryId: 'd1' });
    } catch (error) {
      expect(error).to.be.instanceOf(DeliveryError);
      return error as DeliveryError;
    }
    expect.fail('send resolved, but it must throw');
  }

  it('sends Telegram HTML with parse_mode HTML, no link previews, and returns the message id', async () => {
    const result = await harness.provider.send(PRIVATE, HTML, { deliveryId: 'd1' });
    const [sent] = fake.sent;
    expect(result.providerMessageId).to.equal(String(sent!.message_id));
    expect(sent).to.deep.include({ chat_id: '1001', text: HTML.text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    expect(sent).not.to.have.property('message_thread_id');
    expect(sent).not.to.have.property('reply_parameters');
  });

  it('sends plain text without a parse mode', async () => {
    await harness.provider.send(PRIVATE, { text: '<b> is literal here', format: 'plain' }, { deliveryId: 'd1' });
    expect(fake.sent[0]).not.to.have.property('parse_mode');
  });

  it('replies in the forum topic to the prompting message, even if that message is gone', async () => {
    await harness.provider.send(TOPIC, HTML, { deliveryId: 'd1' });
    expect(fake.sent[0]).to.deep.include({
      chat_id: '-1001234567890',
      message_thread_id: 77,
      reply_parameters: { message_id: 512, allow_sending_without_reply: true },
    });
  });

  it('turns button rows into inline keyboard rows with the value as callback_data', async () => {
    const buttons = [
      [{ label: 'Allow once', value: 'perm:abc:once', style: 'primary' as const }, { label: 'Deny', value: 'perm:abc:reject', style: 'danger' as const }],
      [{ label: 'Always', value: 'perm:abc:always' }],
    ];
    await harness.provider.send(PRIVATE, { text: 'Allow?', format: 'telegram-html', buttons }, { deliveryId: 'd1' });
    expect(fake.sent[0]!.reply_markup).to.deep.equal({
      inline_keyboard: [
        [{ text: 'Allow once', callback_data: 'perm:abc:once' }, { text: 'Deny', callback_data: 'perm:abc:reject' }],
        [{ text: 'Always', callback_data: 'perm:abc:always' }],
      ],
    });
  });

  it('classifies 429 as rate_limited with retry_after in milliseconds', async () => {
    fake.failNext('sendMessage', 'rate_limited', { retryAfter: 7 });
    const error = await sendFailure();
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(error.code).to.equal('telegram.rate_limited');
  });

  it('classifies 403 (bot blocked) as permanent', async () => {
    fake.failNext('sendMessage', 'forbidden');
    const error = await sendFailure();
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'permanent' });
    expect(error.code).to.equal('telegram.send_forbidden');
    expect(error.message).to.include('Forbidden: bot was blocked by the user');
  });

  it('classifies 400 "chat not found" and other bad requests as permanent', async () => {
    fake.failNext('sendMessage', 'chat_not_found');
    const notFound = await sendFailure();
    expect(classifyDeliveryFailure(notFound).kind).to.equal('permanent');
    expect(notFound.code).to.equal('telegram.send_rejected');
    const tooLong = await sendFailure({ text: 'x'.repeat(4097), format: 'plain' });
    expect(classifyDeliveryFailure(tooLong).kind).to.equal('permanent');
    expect(tooLong.message).to.include('message is too long');
  });

  it('classifies 500 as transient, without retrying inside the provider', async () => {
    fake.failNext('sendMessage', 'server_error');
    const error = await sendFailure();
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'transient' });
    expect(fake.callsOf('sendMessage')).to.have.length(1);
  });

  it('classifies an unreachable API as transient', async () => {
    await fake.close();
    const error = await sendFailure();
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'transient' });
    expect(error.code).to.equal('telegram.send_failed');
  });

  it('edits a sent message in place and treats "message is not modified" as done', async () => {
    const { providerMessageId } = await harness.provider.send(PRIVATE, HTML, { deliveryId: 'd1' });
    await harness.provider.edit(PRIVATE, providerMessageId, { text: '<i>Updated</i>', format: 'telegram-html', buttons: [[{ label: 'OK', value: 'ok' }]] }, { deliveryId: 'edit-1' });
    expect(fake.edits[0]).to.deep.include({ chat_id: '1001', message_id: Number(providerMessageId), text: '<i>Updated</i>', parse_mode: 'HTML' });
    expect(fake.edits[0]!.reply_markup).to.deep.equal({ inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] });
    fake.failNext('editMessageText', 'bad_request', { description: 'Bad Request: message is not modified' });
    expect(await harness.provider.edit(PRIVATE, providerMessageId, HTML, { deliveryId: 'edit-2' })).to.deep.equal({ providerMessageId });
  });

  it('uploads a document as multipart into the topic', async () => {
    const bytes = Buffer.from('%PDF-1.7 fake report');
    const result = await harness.provider.sendFile(TOPIC, { bytes, filename: 'report.pdf', mimeType: 'application/pdf' }, { caption: 'the report', deliveryId: 'file-1' });
    const [sent] = fake.sent;
    expect(result.providerMessageId).to.equal(String(sent!.message_id));
    expect(sent).to.deep.include({ method: 'sendDocument', chat_id: '-1001234567890', message_thread_id: 77, caption: 'the report' });
    expect(sent!.document!.filename).to.equal('report.pdf');
    expect(sent!.document!.contentType).to.equal('application/pdf');
    expect(sent!.document!.bytes.equals(bytes)).to.equal(true);
  });

  it('classifies a failed upload like a failed message', async () => {
    fake.failNext('sendDocument', 'rate_limited', { retryAfter: 2 });
    const error = await harness.provider.sendFile(PRIVATE, { bytes: Buffer.from('x'), filename: 'a.txt' }, { deliveryId: 'file-2' }).catch((e: unknown) => e);
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 2000 });
  });
});
