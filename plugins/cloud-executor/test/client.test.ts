import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudClient, CloudError, isCloudError } from '../src/index.js';
import { FakeCloud, type FakeCloudToken } from '../src/testing/index.js';

describe('CloudClient: error taxonomy and bounded retries', () => {
  let fake: FakeCloud;
  let token: FakeCloudToken;
  let client: CloudClient;

  beforeEach(async () => {
    fake = new FakeCloud({ autoRun: false });
    await fake.start();
    fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_tg' });
    token = fake.issueToken({ channelBindingIds: ['cb_tg'] });
    client = new CloudClient({ baseUrl: fake.url + '/', serviceToken: token.plaintext, maxAttempts: 3, retryBaseMs: 1, retryCapMs: 5, requestTimeoutMs: 2_000 });
  });
  afterEach(() => fake.stop());

  const failure = async (promise: Promise<unknown>): Promise<CloudError> => {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(CloudError);
      expect((error as Error).message).to.not.include(token.plaintext);
      return error as CloudError;
    }
    throw new Error('expected a CloudError');
  };

  it('sends one Bearer header and JSON, and retries 5xx and 429 (honouring Retry-After) until it succeeds', async () => {
    fake.failNext(/deliveries$/, 503, 1);
    fake.failNext(/deliveries$/, 429, 1, 0);
    const body = await client.get<{ deliveries: unknown[] }>('/api/channels/deliveries', { limit: 5, channelBindingId: ['cb_tg'] });
    expect(body.deliveries).to.deep.equal([]);
    const requests = fake.requestsTo('/api/channels/deliveries');
    expect(requests).to.have.length(3);
    expect(requests[2]!.path).to.equal('/api/channels/deliveries?limit=5&channelBindingId=cb_tg');
    expect(requests[0]!.headers.authorization).to.equal(`Bearer ${token.plaintext}`);
  });

  it('gives up after maxAttempts with a retryable cloud.unavailable carrying the status', async () => {
    fake.failNext(/deliveries$/, 500, 5);
    const error = await failure(client.get('/api/channels/deliveries'));
    expect(error).to.deep.include({ kind: 'server', code: 'cloud.unavailable', status: 503, retryable: true, httpStatus: 500 });
    expect(fake.requestsTo('/api/channels/deliveries')).to.have.length(3);
  });

  it('maps 401/403/404/409/400 to permanent coded errors without retrying, keeping the policy code', async () => {
    fake.channelsEnabled = false;
    const forbidden = await failure(client.get('/api/channels/deliveries'));
    expect(forbidden).to.deep.include({ kind: 'forbidden', code: 'cloud.forbidden', status: 403, retryable: false, policyCode: 'channels.disabled' });
    fake.channelsEnabled = true;
    expect(fake.requestsTo('/api/channels/deliveries')).to.have.length(1);
    expect((await failure(client.post('/api/channels/cursor', { bindingId: 'x', lastEventSequence: 1, lastWorkspaceSequence: 0 }))).kind).to.equal('not_found');
    expect((await failure(client.post('/api/channels/cursor', {}))).code).to.equal('cloud.bad_request');
    fake.failNext(/cursor$/, 409);
    expect((await failure(client.post('/api/channels/cursor', {}))).code).to.equal('cloud.conflict');
    fake.failNext(/cursor$/, 402);
    expect((await failure(client.post('/api/channels/cursor', {}))).code).to.equal('cloud.payment_required');
    token.revoked = true;
    const unauthorized = await failure(client.get('/api/channels/deliveries'));
    expect(unauthorized).to.deep.include({ kind: 'unauthorized', code: 'cloud.unauthorized', retryable: false });
    expect(isCloudError(unauthorized, 'unauthorized')).to.equal(true);
  });

  it('classifies network failures, timeouts, non-JSON bodies and paths outside /api/', async () => {
    const closed = new CloudClient({ baseUrl: 'http://127.0.0.1:1', serviceToken: token.plaintext, maxAttempts: 1 });
    expect((await failure(closed.get('/api/x'))).kind).to.equal('network');
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const garbage: Server = createServer((_req, res) => res.end('<html>'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    try {
      const slow = new CloudClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, serviceToken: token.plaintext, requestTimeoutMs: 150, maxAttempts: 1 });
      expect(await failure(slow.get('/api/x'))).to.deep.include({ kind: 'timeout', code: 'cloud.timeout' });
      const html = new CloudClient({ baseUrl: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`, serviceToken: token.plaintext, maxAttempts: 1 });
      expect((await failure(html.get('/api/x'))).kind).to.equal('parse');
    } finally {
      silent.closeAllConnections();
      silent.close();
      garbage.close();
    }
    expect((await failure(client.get('/health'))).kind).to.equal('request');
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(client.request('GET', '/api/channels/deliveries', undefined, aborted.signal))).kind).to.equal('abort');
  });

  it('streams SSE events, ends on a graceful close, and refuses a stream with the HTTP error', async () => {
    fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'x' }, deliveryId: 'd-1' });
    const controller = new AbortController();
    let opened = false;
    const events: { id?: string; event: string }[] = [];
    for await (const event of client.stream('/api/channels/deliveries/stream?channelBindingId=cb_tg', { signal: controller.signal, onOpen: () => { opened = true; } })) {
      events.push({ id: event.id, event: event.event });
      fake.endStreams();
    }
    expect(opened).to.equal(true);
    expect(events).to.deep.equal([{ id: 'd-1', event: 'channel.delivery' }]);
    fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_x' });
    const refused = client.stream('/api/channels/deliveries/stream?channelBindingId=cb_x', { signal: controller.signal });
    expect((await failure(refused.next())).kind).to.equal('forbidden');
    const dropped = client.stream('/api/channels/deliveries/stream?channelBindingId=cb_tg', { signal: controller.signal });
    const next = dropped.next();
    await fake.until(() => fake.requestsTo('/api/channels/deliveries/stream').length === 3);
    await new Promise((resolve) => setImmediate(resolve));
    fake.dropStreams();
    expect((await failure(next)).kind).to.equal('sse');
  });
});
