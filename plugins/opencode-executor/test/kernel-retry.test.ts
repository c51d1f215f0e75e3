import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { DEFAULT_KERNEL_SETTINGS, DefaultRenderer, Kernel, silentLogger, type InboundEvent } from '@cowork-gateway/core';
import { FakeProvider, fakeProviderOptions } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { startFakeOpenCode, type FakeOpenCode } from '../src/testing/fake-opencode.js';
import { eventually, executorFor } from './helpers.js';

describe('OpenCodeExecutor in the kernel when OpenCode fails a prompt (fake OpenCode)', function () {
  this.timeout(20_000);
  let fake: FakeOpenCode;
  let kernel: Kernel;
  let provider: FakeProvider;

  async function startKernel(): Promise<void> {
    provider = new FakeProvider(v.parse(fakeProviderOptions, {}), { id: 'fake', plugin: 'fake', kind: 'provider' });
    kernel = new Kernel({
      store: new MemoryStore({ maxEventsPerSession: 100_000 }),
      executor: executorFor(fake, { requestTimeoutMs: 300 }),
      renderer: new DefaultRenderer(),
      providers: [provider],
      settings: { ...DEFAULT_KERNEL_SETTINGS, idlePollMs: 20, deliveryBackoffBaseMs: 10, deliveryBackoffMaxMs: 50, shutdownDrainMs: 2000 },
      logger: silentLogger,
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
    await kernel.start();
  }

  const message = (text: string): InboundEvent => ({ provider: 'fake', instance: 'fake', chatId: 'c', userId: 'alice', eventId: `e-${Date.now()}`, kind: 'message', text, attachments: [], receivedAt: new Date() });

  beforeEach(async () => {
    fake = await startFakeOpenCode();
  });

  afterEach(async () => {
    await kernel?.stop();
    await fake.close();
  });

  it('retries a prompt that OpenCode answered with a 5xx, and replies once', async () => {
    fake.fail('server-error', { route: '/prompt_async', times: 1 });
    await startKernel();
    await kernel.ingest(message('try again'));
    await eventually(() => provider.sent.some((s) => s.message.text.includes('echo: try again')), 'the reply after the retry', 15_000);
    expect(fake.requests.filter((r) => r.endsWith('/prompt_async'))).to.have.length(2);
    expect(fake.prompts).to.have.length(1);
  });

  it('does not start a second OpenCode turn when the retried job\'s first prompt did arrive', async () => {
    fake.fail('hang-after-accept', { route: '/prompt_async', times: 1 });
    await startKernel();
    await kernel.ingest(message('exactly once'));
    await eventually(() => provider.sent.some((s) => s.message.text.includes('echo: exactly once')), 'the reply after the retry', 15_000);
    expect(fake.prompts).to.have.length(1);
    expect(provider.sent.filter((s) => s.message.text.includes('echo: exactly once'))).to.have.length(1);
  });
});
