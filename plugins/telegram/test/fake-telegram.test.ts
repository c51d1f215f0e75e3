import { expect } from 'chai';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
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
    fake.failNext('sendMessage', 'rate_limited', { times: 2, retryAfter: 3 });
    const limited = await call('sendMessage', { chat_id: 1, text: 'x' });
    expect(limited).to.deep.equal({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } });
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).status).to.equal(429);
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).status).to.equal(200);
    fake.failNext('sendMessage', 'chat_not_found');
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).body.description).to.equal('Bad Request: chat not found');
  });

  it('measures HTML messages by their visible text, like Telegram', async () => {
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
});
