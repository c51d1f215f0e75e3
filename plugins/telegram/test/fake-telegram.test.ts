import { expect } from 'chai';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { groupMessage, privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { TOKEN } from './helpers/fixtures.js';

/** A Bot API answer as the fake sends it. */
interface FakeAnswer {
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

function updateIds(answer: FakeAnswer): number[] {
  return (answer.result as { update_id: number }[]).map((u) => u.update_id);
}

describe('FakeTelegram', () => {
  let fake: FakeTelegram;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
  });

  afterEach(() => fake.close());

  async function call(method: string, params: Record<string, unknown> = {}, encoding: 'json' | 'form' = 'json', token = TOKEN): Promise<{ status: number; body: FakeAnswer }> {
    const body = encoding === 'json' ? JSON.stringify(params) : new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const response = await fetch(`${fake.url}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
      body,
    });
    return { status: response.status, body: (await response.json()) as FakeAnswer };
  }

  it('answers a wrong token like Telegram', async () => {
    expect(await call('getMe', {}, 'json', '1:wrong')).to.deep.equal({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
  });

  it('accepts JSON and form bodies; form values arrive as strings', async () => {
    fake.addChat(42);
    await call('sendMessage', { chat_id: 42, text: 'json' });
    await call('sendMessage', { chat_id: '42', text: 'form', reply_parameters: { message_id: 5 } }, 'form');
    expect(fake.sent.map((m) => [m.chat_id, m.text])).to.deep.equal([['42', 'json'], ['42', 'form']]);
    expect(fake.sent[1]!.reply_parameters).to.deep.equal({ message_id: 5 });
  });

  it('drops updates below the offset and long-polls until one arrives', async () => {
    const first = fake.pushUpdate(privateMessage('one'));
    const second = fake.pushUpdate(privateMessage('two'));
    expect(updateIds((await call('getUpdates', {})).body)).to.deep.equal([first, second]);
    expect(updateIds((await call('getUpdates', { offset: second })).body)).to.deep.equal([second]);
    expect(fake.pendingUpdates().map((u) => u.update_id)).to.deep.equal([second]);
    const held = call('getUpdates', { offset: second + 1, timeout: 5 });
    setTimeout(() => fake.pushUpdate(privateMessage('three')), 50);
    expect(updateIds((await held).body)).to.have.length(1);
    expect(fake.pendingUpdates()).to.have.length(1);
  });

  it('answers getUpdates with 409 while a webhook is set', async () => {
    await call('setWebhook', { url: 'https://example.test/hook', secret_token: 's' });
    const { status, body } = await call('getUpdates', { timeout: 0 });
    expect(status).to.equal(409);
    expect(body.description).to.match(/^Conflict: can't use getUpdates method while webhook is active/);
    await call('deleteWebhook');
    expect((await call('getUpdates', { timeout: 0 })).status).to.equal(200);
  });

  it('fails the next N calls of a method as told, with Telegram\'s error bodies', async () => {
    fake.addChat(1);
    fake.failNext('sendMessage', 'rate_limited', { times: 2, retryAfter: 3 });
    const limited = await call('sendMessage', { chat_id: 1, text: 'x' });
    expect(limited).to.deep.equal({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } });
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).status).to.equal(429);
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).status).to.equal(200);
    fake.failNext('sendMessage', 'chat_not_found');
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).body.description).to.equal('Bad Request: chat not found');
  });

  it('measures HTML messages by their visible text, like Telegram', async () => {
    fake.addChat(1);
    const html = `<b>${'a'.repeat(4096)}</b>`;
    expect((await call('sendMessage', { chat_id: 1, text: html, parse_mode: 'HTML' })).status).to.equal(200);
    expect((await call('sendMessage', { chat_id: 1, text: html })).body.description).to.equal('Bad Request: message is too long');
  });

  it('delivers a webhook update with the secret header and returns the status', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await call('setWebhook', { url: 'https://public.example/webhooks/tg', secret_token: 'sekret' });
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/tg`;
      expect(await fake.deliverWebhook(privateMessage('hi'), { url })).to.equal(202);
      expect(await fake.deliverWebhook(privateMessage('hi'), { url, secret: null })).to.equal(202);
      expect(seen[0]!.headers['x-telegram-bot-api-secret-token']).to.equal('sekret');
      expect(seen[1]!.headers).not.to.have.property('x-telegram-bot-api-secret-token');
      expect(JSON.parse(seen[0]!.body).update_id).to.be.a('number');
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  describe('rejects what Telegram rejects, with its error bodies', () => {
    const badRequest = (description: string) => ({ status: 400, body: { ok: false, error_code: 400, description } });

    it('a chat the bot has never seen: "chat not found"; a chat of a pushed or delivered update is known', async () => {
      expect(await call('sendMessage', { chat_id: 77, text: 'hi' })).to.deep.equal(badRequest('Bad Request: chat not found'));
      fake.pushUpdate(privateMessage('hello', { chatId: 77 }));
      expect((await call('sendMessage', { chat_id: 77, text: 'hi' })).status).to.equal(200);
      await call('setWebhook', { url: 'https://public.example/webhooks/tg' });
      const receiver = createServer((_req, res) => res.writeHead(200).end());
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        await fake.deliverWebhook(groupMessage('hello', { chatId: -1005 }), { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` });
      } finally {
        await new Promise<void>((resolve) => receiver.close(() => resolve()));
      }
      expect((await call('sendMessage', { chat_id: -1005, text: 'hi' })).status).to.equal(200);
      expect(fake.sent.map((m) => m.chat_id)).to.deep.equal(['77', '-1005']);
    });

    it('malformed HTML under parse_mode HTML: "can\'t parse entities: ..." with Telegram\'s reasons and byte offsets', async () => {
      fake.addChat(1);
      const send = async (text: string) => (await call('sendMessage', { chat_id: 1, text, parse_mode: 'HTML' })).body.description;
      expect(await send('<b>bold')).to.equal('Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"');
      expect(await send('é <foo>x</foo>')).to.equal('Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 3');
      expect(await send('<b>x</i>')).to.equal('Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"');
      expect(await send('x</b>')).to.equal('Bad Request: can\'t parse entities: Unexpected end tag at byte offset 1');
      expect(await send('1 < 2')).to.equal('Bad Request: can\'t parse entities: Unclosed start tag at byte offset 2');
      expect(await send('a <3 b >')).to.equal('Bad Request: can\'t parse entities: Unsupported start tag "3 b " at byte offset 2');
      expect(fake.sent, 'nothing was sent').to.have.length(0);
      const fine = '<b>b</b> <i>i</i> <a href="https://example.test/?a=1&amp;b=2">a</a> <pre><code class="language-ts">x &lt; y</code></pre> <blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>';
      expect((await call('sendMessage', { chat_id: 1, text: fine, parse_mode: 'HTML' })).status).to.equal(200);
      expect((await call('sendMessage', { chat_id: 1, text: '1 < 2 <b>x' })).status, 'without a parse mode markup is text').to.equal(200);
    });

    it('callback_data over 64 bytes: "BUTTON_DATA_INVALID"', async () => {
      fake.addChat(1);
      const keyboard = (data: string) => ({ inline_keyboard: [[{ text: 'ok', callback_data: 'a' }, { text: 'go', callback_data: data }]] });
      expect(await call('sendMessage', { chat_id: 1, text: 'pick', reply_markup: keyboard('é'.repeat(33)) })).to.deep.equal(badRequest('Bad Request: BUTTON_DATA_INVALID'));
      expect(await call('sendMessage', { chat_id: 1, text: 'pick', reply_markup: keyboard('x'.repeat(65)) }, 'form')).to.deep.equal(badRequest('Bad Request: BUTTON_DATA_INVALID'));
      expect((await call('sendMessage', { chat_id: 1, text: 'pick', reply_markup: keyboard('x'.repeat(64)) })).status).to.equal(200);
    });

    it('a caption over 1024 characters: "message caption is too long"', async () => {
      fake.addChat(1);
      const upload = async (caption: string) => {
        const form = new FormData();
        form.set('chat_id', '1');
        form.set('caption', caption);
        form.set('parse_mode', 'HTML');
        form.set('document', new Blob([Buffer.from('bytes')]), 'a.txt');
        const response = await fetch(`${fake.url}/bot${TOKEN}/sendDocument`, { method: 'POST', body: form });
        return { status: response.status, body: (await response.json()) as FakeAnswer };
      };
      expect(await upload('c'.repeat(1025))).to.deep.equal(badRequest('Bad Request: message caption is too long'));
      expect((await upload(`<b>${'c'.repeat(1024)}</b>`)).status, 'measured by visible text').to.equal(200);
      expect(fake.sent.map((m) => m.caption?.length)).to.deep.equal([1031]);
    });

    it('an edit of a message the bot did not send to that chat: "message to edit not found"', async () => {
      fake.addChat(1);
      fake.addChat(2);
      const sent = (await call('sendMessage', { chat_id: 1, text: 'first' })).body.result as { message_id: number };
      expect(await call('editMessageText', { chat_id: 1, message_id: sent.message_id + 1, text: 'x' })).to.deep.equal(badRequest('Bad Request: message to edit not found'));
      expect(await call('editMessageText', { chat_id: 2, message_id: sent.message_id, text: 'x' })).to.deep.equal(badRequest('Bad Request: message to edit not found'));
      expect(await call('editMessageText', { chat_id: 3, message_id: sent.message_id, text: 'x' })).to.deep.equal(badRequest('Bad Request: chat not found'));
      const edited = await call('editMessageText', { chat_id: 1, message_id: sent.message_id, text: 'second' });
      expect(edited.status).to.equal(200);
      expect(fake.edits.map((e) => e.text)).to.deep.equal(['second']);
    });
  });
});
