import * as v from 'valibot';
import { CloudExecutor, CloudStore, cloudConnectionOptions, cloudExecutorOptions, type ThreadRef } from '../../src/index.js';
import { FakeCloud, type FakeCloudToken } from '../../src/testing/index.js';

export interface CloudFixture {
  fake: FakeCloud;
  token: FakeCloudToken;
  store: CloudStore;
  executor: CloudExecutor;
  close(): Promise<void>;
}

/**
 * A started fake Cloud with a Telegram channel binding `cb_tg`, a gateway token granted it, an
 * owner identity `owner-1`, and a Cloud store + executor pointed at it. Threads not bound by an
 * inbound message are bound for `owner-1` in a chat named after the session.
 */
export async function cloudFixture(options: { renderAttempts?: number; maxAttempts?: number } = {}): Promise<CloudFixture> {
  const fake = new FakeCloud();
  await fake.start();
  fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_tg' });
  const token = fake.issueToken({ channelBindingIds: ['cb_tg'] });
  fake.setIdentity({ provider: 'telegram', externalUserId: 'owner-1', role: 'owner' });
  const store = new CloudStore(v.parse(cloudConnectionOptions, {
    baseUrl: fake.url,
    serviceToken: token.plaintext,
    instanceId: 'test',
    channels: [{ instance: 'telegram', channelBindingId: 'cb_tg' }],
    requestTimeoutMs: 5_000,
    maxAttempts: options.maxAttempts ?? 4,
  }));
  await store.start();
  store.channel.threadResolver = async (sessionId, title): Promise<ThreadRef> => {
    const route = store.channel.route('telegram');
    const identity = await store.channel.api.resolveIdentity({ provider: 'telegram', channelBindingId: 'cb_tg', externalWorkspaceId: null, externalUserId: 'owner-1' });
    const { binding } = await store.channel.api.bindThread({ channelBindingId: 'cb_tg', provider: 'telegram', externalChatId: sessionId, externalThreadId: sessionId, identityId: identity.identityId, externalWorkspaceId: null, title });
    return { binding, route, actor: 'owner-1', identityId: identity.identityId };
  };
  const executor = new CloudExecutor(store.channel, v.parse(cloudExecutorOptions, { renderAttempts: options.renderAttempts ?? 5, reconnectBaseMs: 5, reconnectCapMs: 50 }));
  return {
    fake,
    token,
    store,
    executor,
    async close() {
      await executor.stop();
      await store.close();
      await fake.stop();
    },
  };
}
