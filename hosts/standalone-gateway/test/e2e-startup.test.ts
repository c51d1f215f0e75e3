import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { childEnv, postJson, REPO_ROOT, runCli, startHost, writeConfig, PREFIX, eventually } from './helpers/host-process.js';

describe('standalone gateway start-up, config errors and CLI', function () {
  this.timeout(60_000);

  it('starts on the memory store with no executor (OPENCODE_MANAGED=false): /healthz 200, /ready names each component, prompts are refused with a message', async () => {
    const channel = await FakeChannel.start();
    const config = writeConfig({
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'owner' }],
    });
    const host = await startHost(['--store', 'memory', '--config', config], childEnv({ [`${PREFIX}STORE`]: 'postgres' }));
    try {
      expect(host.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${host.url}/healthz`)).status).to.equal(200);
      const ready = await fetch(`${host.url}/ready`);
      const body = (await ready.json()) as any;
      expect(ready.status).to.equal(503);
      expect(body.status).to.equal('degraded');
      expect(body.components.store).to.include({ kind: 'memory', state: 'ok' });
      expect(body.components.executor.state).to.equal('not_configured');
      expect(body.components.providers.fake.state).to.equal('ok');
      await postJson(`${host.url}/webhooks/fake`, { id: 'e1', chatId: 'c1', userId: 'alice', text: 'hi' });
      await channel.waitFor(() => channel.messages.length === 1);
      expect(channel.messages[0]!.message.text).to.match(/no execution runtime/i);
    } finally {
      expect(await host.stop()).to.equal(0);
      await channel.close();
    }
  });

  it('exits non-zero naming the key and file line for a bad config file, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cowork-bad-'));
    const file = join(dir, 'gateway.jsonc');
    writeFileSync(file, '{\n  // port must be a number\n  "OPEN_COWORK_STANDALONE_GATEWAY_PORT": "eighty",\n}\n');
    const result = await runCli(['start', '--config', file], childEnv({ [`${PREFIX}PORT`]: '' }));
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('config.invalid');
    expect(result.stderr).to.contain('OPEN_COWORK_STANDALONE_GATEWAY_PORT');
    expect(result.stderr).to.contain(`${file}:3`);
    expect(result.stderr).not.to.match(/\n\s+at /);
  });

  it('exits non-zero for a config file that is not JSON', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cowork-bad-')), 'gateway.json');
    writeFileSync(file, '{ "store": ');
    const result = await runCli(['start', '--config', file], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('config.invalid');
    expect(result.stderr).to.contain(file);
  });

  it('exits non-zero with plugin.not_found for an unknown plugin', async () => {
    const config = writeConfig({ providers: [{ use: '@cowork-gateway/does-not-exist', id: 'ghost' }] });
    const result = await runCli(['start', '--config', config], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('plugin.not_found');
    expect(result.stderr).to.contain('@cowork-gateway/does-not-exist');
  });

  it('names the invalid plugin option key', async () => {
    const config = writeConfig({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { maxTextLength: 'long' } }] });
    const result = await runCli(['start', '--config', config], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('plugin.options_invalid');
    expect(result.stderr).to.contain('providers[0].options.maxTextLength');
  });

  it('refuses a plugin of the wrong kind in a slot', async () => {
    const config = writeConfig({ executor: { use: '@cowork-gateway/core/testing/fake-provider' } });
    const result = await runCli(['start', '--config', config], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('plugin.wrong_kind');
  });

  it('says which setting the postgres store needs instead of crashing', async () => {
    const result = await runCli(['start'], childEnv({ [`${PREFIX}STORE`]: 'postgres' }));
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('host.database_url_required');
    expect(result.stderr).to.contain(`${PREFIX}DATABASE_URL`);
    expect(result.stderr).to.contain(`${PREFIX}STORE=memory`);
  });

  it('refuses a wildcard bind without the explicit opt-in', async () => {
    const result = await runCli(['start', '--host', '0.0.0.0'], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('host.bind_refused');
    expect(result.stderr).to.contain(`${PREFIX}ALLOW_WILDCARD_BIND`);
  });

  it('refuses a wildcard bind with the opt-in but without a real admin token', async () => {
    const optIn = { [`${PREFIX}ALLOW_WILDCARD_BIND`]: 'true' };
    const none = await runCli(['start', '--host', '0.0.0.0'], childEnv(optIn));
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('host.admin_token_required');
    const placeholder = await runCli(['start', '--host', '::'], childEnv({ ...optIn, [`${PREFIX}ADMIN_TOKEN`]: 'change-me-please-0123456789' }));
    expect(placeholder.code).to.equal(2);
    expect(placeholder.stderr).to.contain('host.admin_token_required');
    expect(placeholder.stderr).not.to.contain('change-me-please-0123456789');
  });

  it('loads a third-party provider plugin by relative path and answers through it', async () => {
    const sink = await FakeReplySink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cowork-rel-'));
    const pluginPath = relative(dir, join(REPO_ROOT, 'examples/relay-provider/dist/src/index.js'));
    const config = writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: pluginPath.startsWith('.') ? pluginPath : `./${pluginPath}`, id: 'relay', options: { secret: { env: 'RELAY_SECRET' }, replyUrl: sink.url } }],
      identities: [{ provider: 'relay', externalUserId: 'bob', role: 'member' }],
    }, dir);
    const secret = 'relay-secret-value-123';
    const host = await startHost(['--config', config], childEnv({ RELAY_SECRET: secret }));
    try {
      const body = JSON.stringify({ id: 'r1', chat: 'room', user: 'bob', text: 'via relay' });
      const unsigned = await postJson(`${host.url}/webhooks/relay`, body);
      expect(unsigned.status).to.equal(401);
      const signature = createHmac('sha256', secret).update(body).digest('hex');
      const signed = await postJson(`${host.url}/webhooks/relay`, body, { 'x-relay-signature': signature });
      expect(signed.status).to.equal(202);
      await eventually(async () => sink.received.length === 1, 10_000, 'relay reply');
      expect(sink.received[0]!.text).to.contain('Echo: via relay');
      expect(host.stderr()).not.to.contain(secret);
    } finally {
      await host.stop();
      await sink.close();
    }
  });

  it('manages identities of a running memory-store gateway through its admin API', async () => {
    const admin = 'identity-admin-token-42';
    const config = writeConfig({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake' }] });
    const env = childEnv({ [`${PREFIX}ADMIN_TOKEN`]: admin, [`${PREFIX}CONFIG`]: config });
    const host = await startHost([], env);
    const cliEnv = { ...env, [`${PREFIX}PORT`]: new URL(host.url).port };
    try {
      const upsert = await runCli(['identity', 'upsert', '--provider', 'fake', '--external-user-id', '42', '--role', 'member'], cliEnv);
      expect(upsert.code, upsert.stderr).to.equal(0);
      expect(JSON.parse(upsert.stdout).identity).to.include({ provider: 'fake', externalUserId: '42', role: 'member', status: 'active' });
      const disabled = await runCli(['identity', 'disable', '--provider', 'fake', '--external-user-id', '42'], cliEnv);
      expect(JSON.parse(disabled.stdout).identity.status).to.equal('disabled');
      const list = await runCli(['identity', 'list'], cliEnv);
      expect(JSON.parse(list.stdout).identities).to.have.length(1);
      const badRole = await runCli(['identity', 'upsert', '--provider', 'fake', '--external-user-id', '1', '--role', 'god'], cliEnv);
      expect(badRole.code).to.equal(2);
      expect(badRole.stderr).to.contain('identity.args_invalid');
      const typo = await runCli(['identity', 'upsert', '--provider', 'fakee', '--external-user-id', '1', '--role', 'member'], cliEnv);
      expect(typo.code).to.equal(2);
      expect(typo.stderr).to.contain('no provider instance "fakee"');
      const noToken = await runCli(['identity', 'list'], { ...cliEnv, [`${PREFIX}ADMIN_TOKEN`]: '' });
      expect(noToken.code).to.equal(2);
      expect(noToken.stderr).to.contain(`${PREFIX}ADMIN_TOKEN`);
      expect(upsert.stdout + list.stdout + host.stderr()).not.to.contain(admin);
    } finally {
      await host.stop();
    }
  });
});

/** A loopback HTTP receiver for the relay example's replies. */
class FakeReplySink {
  readonly received: { deliveryId: string; chatId: string; text: string }[] = [];
  private constructor(private readonly server: import('node:http').Server, readonly url: string) {}
  static async start(): Promise<FakeReplySink> {
    const { createServer } = await import('node:http');
    let sink!: FakeReplySink;
    const server = createServer(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      sink.received.push(JSON.parse(raw));
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    sink = new FakeReplySink(server, `http://127.0.0.1:${port}/in`);
    return sink;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('standalone gateway graceful shutdown', function () {
  this.timeout(30_000);

  it('finishes a delivery that is in flight when SIGTERM arrives, then exits 0', async () => {
    const channel = await FakeChannel.start();
    channel.respondAfter(1500);
    const config = writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
    const host = await startHost(['--config', config], childEnv());
    try {
      await postJson(`${host.url}/webhooks/fake`, { id: 'drain-1', chatId: 'c', userId: 'alice', text: 'drain me' });
      await eventually(async () => channel.requests === 1, 10_000, 'delivery in flight');
      const code = await host.stop('SIGTERM');
      expect(code).to.equal(0);
      expect(channel.messages).to.have.length(1);
      expect(channel.messages[0]!.message.text).to.contain('drain me');
      expect(host.logs.some((l) => l.event === 'kernel.stopped' && l.deliveriesDrained === true)).to.equal(true);
    } finally {
      await channel.close();
    }
  });
});
