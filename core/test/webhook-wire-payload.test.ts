import { expect } from 'chai';
import {
  parseWebhookPayload,
  webhookPayloadToInboundEvent,
  type ParsePayloadOptions,
  type WebhookPayload,
} from '../src/webhook-wire/payload.js';

const BASE = { id: 'evt-1', target: { chatId: 'room-42' }, sender: { userId: 'u-9' }, text: 'hi' };
const NOW = new Date('2026-01-01T00:00:00Z');

function parse(body: unknown, options: Partial<ParsePayloadOptions> = {}) {
  return parseWebhookPayload(typeof body === 'string' ? body : JSON.stringify(body), { instance: 'hooks', ...options });
}

function ok(body: unknown, options: Partial<ParsePayloadOptions> = {}): WebhookPayload {
  const result = parse(body, options);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The path of the field a refused payload names. */
function refusedAt(body: unknown, options: Partial<ParsePayloadOptions> = {}): string {
  const result = parse(body, options);
  expect(result.ok, JSON.stringify(body).slice(0, 200)).to.equal(false);
  if (result.ok) return '';
  expect(result.error.code).to.equal('webhook.payload_invalid');
  expect(result.error.status).to.equal(400);
  return String(result.error.details?.['path']);
}

describe('webhook-wire/payload', () => {
  it('normalizes the documented example request', () => {
    const body = '{"id":"evt-1001","target":{"chatId":"room-42","isDirect":false,"threadId":"t-7"},"sender":{"userId":"u-9","username":"ada","displayName":"Ada Lovelace"},"text":"hello gateway"}';
    expect(ok(body)).to.deep.equal({
      eventId: 'evt-1001',
      durableId: true,
      target: { chatId: 'room-42', isDirect: false, threadId: 't-7', userId: 'u-9' },
      sender: { userId: 'u-9', username: 'ada', displayName: 'Ada Lovelace', isBot: false },
      text: 'hello gateway',
      attachments: [],
    });
  });

  it('turns a payload into core\'s InboundEvent, with the target facts in replyContext', () => {
    const payload = ok({ ...BASE, target: { chatId: 'room-42', isDirect: true, userId: 'u-1', messageId: 'm-5', threadId: 't' }, sender: { userId: 'u-9', displayName: 'Ada' }, receivedAt: '2025-12-31T23:59:00Z' });
    expect(webhookPayloadToInboundEvent(payload, { provider: 'webhook', instance: 'hooks', now: NOW })).to.deep.equal({
      provider: 'webhook',
      instance: 'hooks',
      chatId: 'room-42',
      threadId: 't',
      userId: 'u-9',
      userName: 'Ada',
      eventId: 'evt-1',
      kind: 'message',
      text: 'hi',
      messageId: 'm-5',
      attachments: [],
      receivedAt: new Date('2025-12-31T23:59:00Z'),
      replyContext: { isDirect: true, userId: 'u-1' },
    });
  });

  it('accepts a payload without id but flags it as not durably deduplicated', () => {
    const { id: _id, ...withoutId } = BASE;
    const payload = ok(withoutId, { generateId: () => 'generated-1' });
    expect(payload.eventId).to.equal('generated-1');
    expect(payload.durableId).to.equal(false);
    expect(ok(withoutId).eventId).to.match(/^[0-9a-f-]{36}$/);
    expect(ok(BASE).durableId).to.equal(true);
  });

  it('defaults target.userId to the sender and trims strings', () => {
    const payload = ok({ id: '  evt-2 ', target: { chatId: ' c ' }, sender: { userId: ' s ', username: ' bob ' } });
    expect(payload.eventId).to.equal('evt-2');
    expect(payload.target).to.deep.equal({ chatId: 'c', isDirect: false, userId: 's' });
    expect(payload.sender.username).to.equal('bob');
  });

  it('parses /commands, stripping an @bot suffix, and leaves other text alone', () => {
    const event = (text: string) => webhookPayloadToInboundEvent(ok({ ...BASE, text }), { provider: 'webhook', instance: 'hooks', now: NOW });
    expect(ok({ ...BASE, text: '/new@gatewaybot  my session ' }).command).to.deep.equal({ name: 'new', args: 'my session' });
    expect(event('/new@gatewaybot  my session ')).to.include({ kind: 'command', text: '/new my session' });
    expect(event('/stop')).to.include({ kind: 'command', text: '/stop' });
    expect(event('/Stop')).to.include({ kind: 'message', text: '/Stop' });
    expect(event('hello /stop')).to.include({ kind: 'message' });
  });

  it('maps an interaction token to InboundInteraction.value unchanged', () => {
    const payload = ok({ ...BASE, text: undefined, interaction: { id: 'cb-1', token: 'perm:abc:once', kind: 'button' } });
    const event = webhookPayloadToInboundEvent(payload, { provider: 'webhook', instance: 'hooks', now: NOW });
    expect(event.kind).to.equal('interaction');
    expect(event.interaction).to.deep.equal({ id: 'cb-1', value: 'perm:abc:once' });
    expect(event.receivedAt).to.deep.equal(NOW);
  });

  it('decodes inline attachments and gives them stable ids', () => {
    const data = Buffer.from('hello file').toString('base64');
    const payload = ok({ ...BASE, attachments: [
      { filename: 'a.txt', mimeType: 'text/plain', sizeBytes: 10, bufferBase64: data },
      { filename: 'b.bin', providerFileId: 'file-77', sizeBytes: 3 },
    ] });
    expect(payload.attachments[0]).to.deep.equal({ id: 'evt-1:attachment:1', filename: 'a.txt', mimeType: 'text/plain', sizeBytes: 10, bytes: Buffer.from('hello file') });
    expect(payload.attachments[1]).to.deep.equal({ id: 'file-77', filename: 'b.bin', sizeBytes: 3 });
    const event = webhookPayloadToInboundEvent(payload, { provider: 'webhook', instance: 'hooks', now: NOW });
    expect(event.attachments).to.deep.equal([
      { id: 'evt-1:attachment:1', filename: 'a.txt', mimeType: 'text/plain', sizeBytes: 10 },
      { id: 'file-77', filename: 'b.bin', sizeBytes: 3 },
    ]);
  });

  it('refuses bodies that are empty or not JSON objects', () => {
    for (const body of ['', '   ', 'not json', '{"id":', '[]', 'null', '42', '"text"']) {
      const result = parse(body);
      expect(result.ok, body).to.equal(false);
      if (!result.ok) expect(result.error.code).to.equal('webhook.payload_invalid');
    }
  });

  it('names the offending field for missing and unsafe identity fields', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...BASE, target: undefined }, 'target'],
      [{ ...BASE, target: {} }, 'target.chatId'],
      [{ ...BASE, target: { chatId: '   ' } }, 'target.chatId'],
      [{ ...BASE, target: { chatId: 'a\u0000b' } }, 'target.chatId'],
      [{ ...BASE, target: { chatId: 7 } }, 'target.chatId'],
      [{ ...BASE, target: { chatId: 'c', isDirect: 'yes' } }, 'target.isDirect'],
      [{ ...BASE, target: { chatId: 'c', threadId: 'x'.repeat(513) } }, 'target.threadId'],
      [{ ...BASE, sender: {} }, 'sender.userId'],
      [{ ...BASE, sender: { userId: 'u', username: 'n'.repeat(257) } }, 'sender.username'],
      [{ ...BASE, sender: { userId: 'u', displayName: 'line\nbreak' } }, 'sender.displayName'],
      [{ ...BASE, sender: { userId: 'u', isBot: 1 } }, 'sender.isBot'],
      [{ ...BASE, id: 'x'.repeat(513) }, 'id'],
      [{ ...BASE, id: '\u001b[31m' }, 'id'],
      [{ ...BASE, text: 'bell\u0007' }, 'text'],
      [{ ...BASE, text: 'x'.repeat(65_537) }, 'text'],
      [{ ...BASE, receivedAt: 'yesterday' }, 'receivedAt'],
      [{ ...BASE, receivedAt: '2026-13-45T99:99:99Z' }, 'receivedAt'],
    ];
    for (const [body, path] of cases) expect(refusedAt(body), path).to.equal(path);
    // Multi-byte characters count as bytes, not characters.
    expect(refusedAt({ ...BASE, sender: { userId: 'u', username: 'é'.repeat(129) } })).to.equal('sender.username');
    expect(ok({ ...BASE, sender: { userId: 'u', username: 'é'.repeat(128) } }).sender.username).to.have.length(128);
    expect(ok({ ...BASE, text: 'multi\nline\ttext\r\n' }).text).to.equal('multi\nline\ttext\r\n');
  });

  it('refuses interaction tokens that would not survive a bridge', () => {
    const interaction = (token: unknown) => ({ ...BASE, interaction: { id: 'cb', token } });
    expect(refusedAt(interaction('x'.repeat(65)))).to.equal('interaction.token');
    expect(refusedAt(interaction('é'.repeat(33)))).to.equal('interaction.token');
    expect(refusedAt(interaction('a\nb'))).to.equal('interaction.token');
    expect(refusedAt(interaction(''))).to.equal('interaction.token');
    expect(refusedAt({ ...BASE, interaction: { token: 'x' } })).to.equal('interaction.id');
    expect(ok(interaction('x'.repeat(64))).interaction?.token).to.have.length(64);
  });

  it('refuses malformed attachments with the attachment\'s path', () => {
    const attachments = (...items: unknown[]) => ({ ...BASE, attachments: items });
    const good = Buffer.from('abc').toString('base64');
    const cases: Array<[unknown, string]> = [
      [attachments({ bufferBase64: good }), 'attachments[0].filename'],
      [attachments({ filename: 'x'.repeat(256), bufferBase64: good }), 'attachments[0].filename'],
      [attachments({ filename: 'a', bufferBase64: 'YWJj\n' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', bufferBase64: 'YWJ' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', bufferBase64: 'YW-j' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', bufferBase64: 'YQ' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', bufferBase64: 'YR==' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', sizeBytes: 4, bufferBase64: good }), 'attachments[0].sizeBytes'],
      [attachments({ filename: 'a', sizeBytes: -1, providerFileId: 'f' }), 'attachments[0].sizeBytes'],
      [attachments({ filename: 'a', sizeBytes: 1.5, providerFileId: 'f' }), 'attachments[0].sizeBytes'],
      [attachments({ filename: 'a' }), 'attachments[0].bufferBase64'],
      [attachments({ filename: 'a', providerFileId: 'f', mimeType: 'not a type' }), 'attachments[0].mimeType'],
      [attachments({ filename: 'ok', providerFileId: 'f' }, 'nope'), 'attachments[1]'],
      [{ ...BASE, attachments: {} }, 'attachments'],
      [attachments(...Array.from({ length: 21 }, (_, i) => ({ filename: `f${i}`, providerFileId: `p${i}` }))), 'attachments'],
    ];
    for (const [body, path] of cases) expect(refusedAt(body), path).to.equal(path);
    expect(ok(attachments(...Array.from({ length: 20 }, (_, i) => ({ filename: `f${i}`, providerFileId: `p${i}` })))).attachments).to.have.length(20);
  });

  it('enforces the attachment size limit on declared and inline sizes', () => {
    const limit = { maxAttachmentBytes: 16 };
    expect(ok({ ...BASE, attachments: [{ filename: 'a', bufferBase64: Buffer.alloc(16).toString('base64') }] }, limit).attachments[0]?.sizeBytes).to.equal(16);
    expect(refusedAt({ ...BASE, attachments: [{ filename: 'a', bufferBase64: Buffer.alloc(17).toString('base64') }] }, limit)).to.equal('attachments[0].bufferBase64');
    expect(refusedAt({ ...BASE, attachments: [{ filename: 'a', providerFileId: 'f', sizeBytes: 17 }] }, limit)).to.equal('attachments[0].sizeBytes');
  });

  it('ignores unknown keys so bridges can add fields', () => {
    expect(ok({ ...BASE, extra: { nested: true }, target: { chatId: 'c', platform: 'discord' } }).target.chatId).to.equal('c');
  });
});
