import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { opencodeConfigFor, startFakeLlm, type FakeLlm } from '@cowork-gateway/opencode-executor/testing';
import { childEnv, eventually, postJson, PREFIX, startHost, type HostProcess } from './helpers/host-process.js';

// The README's first command (`npm start` = `start --store memory`), with only OpenCode's own
// config pointing the managed `opencode serve` at the suite's loopback fake LLM.
describe('standalone gateway with its managed OpenCode (real opencode serve, fake LLM)', function () {
  this.timeout(120_000);
  let llm: FakeLlm;
  let channel: FakeChannel;
  let host: HostProcess;
  let dataDir: string;

  before(async () => {
    llm = await startFakeLlm({ chunkDelayMs: 5 });
    channel = await FakeChannel.start();
    dataDir = mkdtempSync(join(tmpdir(), 'cowork-managed-'));
    const gatewayConfig = {
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'owner' }],
    };
    host = await startHost(
      ['--store', 'memory'],
      childEnv({
        [`${PREFIX}OPENCODE_MANAGED`]: 'true',
        [`${PREFIX}OPENCODE_DATA_DIR`]: dataDir,
        [`${PREFIX}CONFIG_JSON`]: JSON.stringify(gatewayConfig),
        OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfigFor(llm.url)),
      }),
      90_000,
    );
  });

  after(async () => {
    expect(await host?.stop()).to.equal(0);
    await channel?.close();
    await llm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports the managed executor ready', async () => {
    const body = await eventually(async () => {
      const ready = (await (await fetch(`${host.url}/ready`)).json()) as any;
      return ready.components.executor.state === 'ok' ? ready : undefined;
    }, 60_000, 'the managed OpenCode to be ready');
    expect(body.components.executor.state).to.equal('ok');
  });

  it('answers a prompt through OpenCode in the same chat', async () => {
    expect((await postJson(`${host.url}/webhooks/fake`, { id: 'm1', chatId: 'c1', userId: 'alice', text: 'hello opencode' })).status).to.equal(202);
    await channel.waitFor(() => channel.messages.some((m) => m.message.text.includes('echo: hello opencode')), 60_000);
    expect(channel.messages.filter((m) => m.message.text.includes('echo: hello opencode'))).to.have.length(1);
    expect(llm.requests.length).to.be.greaterThan(0);
  });

  it('asks permission in the chat for a tool call and finishes after approval', async () => {
    await postJson(`${host.url}/webhooks/fake`, { id: 'm2', chatId: 'c2', userId: 'alice', text: 'run it [[tool:bash]]' });
    const ask = await eventually(async () => channel.messages.find((m) => m.target.chatId === 'c2' && m.message.buttons?.length), 60_000, 'the permission request');
    const approve = ask.message.buttons!.flat().find((b) => /once|allow|approve/i.test(b.label))!;
    await postJson(`${host.url}/webhooks/fake`, { id: 'm2-approve', chatId: 'c2', userId: 'alice', kind: 'interaction', interaction: { id: 'i1', value: approve.value } });
    await channel.waitFor(() => channel.messages.some((m) => m.target.chatId === 'c2' && m.message.text.includes('tool said:')), 60_000);
  });
});
