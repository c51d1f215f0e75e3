import 'reflect-metadata';
import { expect } from 'chai';
import { CORE_SETTINGS, bootGateway, loadConfig, silentLogger, type RunningGateway } from '../src/index.js';
import { FakeChannel, signFakePayload } from '../src/testing/index.js';

const PREFIX = 'SECOND_HOST_';
const SHARED_SECRET = 'second-host-shared-secret';

/**
 * A second host built from core's boot API alone: its own prefix, core's settings, plugins chosen
 * by the config file (resolved at run time, as any host does), and nothing of the standalone host.
 */
async function startSecondHost(channel: FakeChannel): Promise<RunningGateway> {
  const config = loadConfig({
    prefix: PREFIX,
    specs: CORE_SETTINGS,
    env: {
      [`${PREFIX}PORT`]: '0',
      [`${PREFIX}CONFIG_JSON`]: JSON.stringify({
        store: { use: '@cowork-gateway/memory-store' },
        executor: { use: '@cowork-gateway/core/testing/fake-executor' },
        providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url, sharedSecret: SHARED_SECRET } }],
        identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
      }),
    },
  });
  return bootGateway(config, { logger: silentLogger, auditPrefix: 'second' });
}

async function postSigned(url: string, payload: Record<string, unknown>, secret = SHARED_SECRET): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fake-signature': signFakePayload(body, secret) }, body });
  await res.arrayBuffer();
  return res.status;
}

describe('a second host built from core\'s boot API alone', function () {
  this.timeout(20_000);
  let channel: FakeChannel;
  let gateway: RunningGateway;

  beforeEach(async () => {
    channel = await FakeChannel.start();
    gateway = await startSecondHost(channel);
  });

  afterEach(async () => {
    await gateway.stop();
    await channel.close();
  });

  it('listens on a free loopback port and answers a signed webhook prompt at the fake channel', async () => {
    expect(gateway.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.http.port).to.be.greaterThan(0);
    const status = await postSigned(`${gateway.url}/webhooks/fake`, { id: 'evt-1', chatId: 'chat-1', userId: 'alice', text: 'hello second host' });
    expect(status).to.equal(202);
    await channel.waitFor(() => channel.messagesFor('chat-1').length >= 1);
    expect(channel.messagesFor('chat-1')[0]!.message.text).to.contain('Echo: hello second host');
    expect(gateway.kernel.context.settings.auditPrefix).to.equal('second');
    expect(gateway.kernel.context.store.kind).to.equal('memory');
  });

  it('rejects a webhook with a wrong signature and prompts nothing', async () => {
    const status = await postSigned(`${gateway.url}/webhooks/fake`, { id: 'evt-2', chatId: 'chat-2', userId: 'alice', text: 'forged' }, 'another-secret-value');
    expect(status).to.equal(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(channel.messagesFor('chat-2')).to.have.length(0);
  });

  it('answers /ready once the kernel has started', async () => {
    const res = await fetch(`${gateway.url}/ready`);
    expect(res.status).to.equal(200);
  });
});
