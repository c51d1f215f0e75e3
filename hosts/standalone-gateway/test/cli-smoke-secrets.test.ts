import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { adminGet, childEnv, PREFIX, runCli, startHost, type HostProcess } from './helpers/host-process.js';
import { freshSchema, type TestSchema } from './helpers/postgres.js';

// Every secret this suite configures; no command may print any of them.
const SECRETS = {
  adminToken: 'smoke-admin-token-Hq72Lx0PzW4n',
  sharedSecret: 'smoke-shared-secret-Vb61Qe',
  opencodePassword: 'smoke-opencode-password-Kd93',
  dbPassword: 'smoke-db-password-Tr55',
  botToken: '777000:smoke-bot-token-Fa28Zu',
};

describe('cowork-standalone-gateway smoke, and no secret in any command output (child process)', function () {
  this.timeout(240_000);
  let channel: FakeChannel;
  let host: HostProcess;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const outputs: { command: string; text: string }[] = [];
  const run = async (args: string[], runEnv: NodeJS.ProcessEnv = env, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const result = await runCli(args, runEnv, timeoutMs);
    outputs.push({ command: args.join(' '), text: result.stdout + result.stderr });
    return result;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cowork-smoke-'));
    channel = await FakeChannel.start();
    env = childEnv({
      [`${PREFIX}ADMIN_TOKEN`]: SECRETS.adminToken,
      [`${PREFIX}OPENCODE_SERVER_PASSWORD`]: SECRETS.opencodePassword,
      FAKE_SHARED_SECRET: SECRETS.sharedSecret,
      [`${PREFIX}CONFIG_JSON`]: JSON.stringify({
        executor: { use: '@cowork-gateway/core/testing/fake-executor' },
        providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url, sharedSecret: { env: 'FAKE_SHARED_SECRET' } } }],
        identities: [{ provider: 'fake', externalUserId: 'owner-1', role: 'owner' }],
      }),
    });
    host = await startHost(['--store', 'memory'], env);
  });

  after(async () => {
    await host?.stop();
    await channel?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drives a real prompt through the running gateway, reports each step, and disables its temporary identity', async () => {
    const result = await run(['smoke', '--json', '--url', host.url]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const { ok, steps } = JSON.parse(result.stdout);
    expect(ok).to.equal(true);
    expect(steps.map((s: { step: string }) => s.step)).to.deep.equal(['identity', 'webhook', 'claim', 'job', 'executor', 'job.finished', 'delivery', 'cleanup']);
    for (const step of steps) expect(step.status, step.step).to.equal('ok');
    for (const step of steps.filter((s: { step: string }) => s.step !== 'cleanup')) expect(step.ms).to.be.a('number').at.least(0);
    const temp = /temporary member (smoke-[0-9a-f]+)/.exec(steps[0].detail)![1]!;
    expect(channel.messages.some((m) => m.target.chatId.startsWith('smoke-chat-'))).to.equal(true);
    const { identities } = await adminGet(`${host.url}/admin/identities?provider=fake`, SECRETS.adminToken);
    expect(identities.find((i: { externalUserId: string }) => i.externalUserId === temp)).to.include({ status: 'disabled' });

    const human = await run(['smoke', '--url', host.url]);
    expect(human.code).to.equal(0);
    expect(human.stdout).to.match(/^STEP\s+STATUS\s+MS\s+DETAIL/).and.include('smoke: ok');
  });

  it('refuses without a token, off loopback, with an unknown provider, and without a gateway', async () => {
    const noToken = await run(['smoke', '--url', host.url], { ...env, [`${PREFIX}ADMIN_TOKEN`]: '' });
    expect(noToken.code).to.equal(2);
    const remote = await run(['smoke', '--url', 'http://10.9.8.7:8795']);
    expect(remote.code).to.equal(2);
    expect(remote.stderr).to.match(/only talks to a gateway on loopback/);
    const unknown = await run(['smoke', '--url', host.url, '--provider', 'nope']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/no provider "nope" is configured/);
    const down = await run(['smoke', '--url', 'http://127.0.0.1:9']);
    expect(down.code).to.equal(2);
    expect(down.stderr).to.match(/no gateway answers/);
    const badTimeout = await run(['smoke', '--url', host.url, '--timeout-ms', '5']);
    expect(badTimeout.code).to.equal(2);
  });

  it('trace reads the memory store through the running gateway', async () => {
    const result = await run(['trace', 'no-such-event', '--url', host.url]);
    expect(result.code).to.equal(1);
    const smoke = JSON.parse((await run(['smoke', '--json', '--url', host.url])).stdout);
    const traceId = /trace (\S+)/.exec(smoke.steps.find((s: { step: string }) => s.step === 'claim').detail)![1]!;
    const found = await run(['trace', traceId, '--url', host.url]);
    expect(found.code, found.stderr).to.equal(0);
    expect(found.stdout).to.include(`trace ${traceId}`).and.match(/delivery\s+\S+ to fake \(reply\): sent/);
  });

  it('no command prints a configured secret: setup, doctor, validate, smoke, trace, identity, backup, restore, retention, migrate', async () => {
    let schema: TestSchema | undefined;
    let target: TestSchema | undefined;
    try {
      schema = await freshSchema();
      target = await freshSchema();
      await schema.openStore();
      const pg = (s: TestSchema): NodeJS.ProcessEnv => ({
        ...env,
        [`${PREFIX}STORE`]: 'postgres',
        [`${PREFIX}DATABASE_URL`]: `postgres://postgres:${SECRETS.dbPassword}@127.0.0.1:5432/test`,
        [`${PREFIX}DATABASE_SCHEMA`]: s.name,
        [`${PREFIX}TELEGRAM_BOT_TOKEN`]: SECRETS.botToken,
        [`${PREFIX}TELEGRAM_API_ROOT`]: 'http://127.0.0.1:9',
      });
      const envFile = join(dir, 'gateway.env');
      await run(['setup', '--output', envFile, '--admin-token', SECRETS.adminToken, '--telegram-bot-token', SECRETS.botToken, '--database-url', `postgres://gw:${SECRETS.dbPassword}@127.0.0.1/gw`]);
      expect(readFileSync(envFile, 'utf8')).to.include(SECRETS.botToken);
      await run(['setup', '--print', '--admin-token', SECRETS.adminToken]);
      await run(['doctor', '--url', host.url]);
      await run(['doctor', '--json', '--security', '--url', host.url]);
      await run(['doctor', '--json', '--security', '--url', 'http://127.0.0.1:9'], pg(schema));
      await run(['validate', envFile]);
      await run(['validate']);
      writeFileSync(join(dir, 'leaky.env.example'), `${PREFIX}ADMIN_TOKEN=${SECRETS.adminToken}\n${PREFIX}PORT=nope\n`);
      await run(['validate', join(dir, 'leaky.env.example')]);
      await run(['identity', 'list', '--url', host.url]);
      await run(['identity', 'list'], pg(schema));
      await run(['migrate', '--status'], pg(schema));
      await run(['smoke', '--url', host.url]);
      await run(['trace', 'anything', '--url', host.url]);
      await run(['trace', 'anything'], pg(schema));
      const archive = join(dir, 'b.jsonl.gz');
      expect((await run(['backup', '--output', archive, '--secret-inventory', join(dir, 'inv.json')], pg(schema))).code).to.equal(0);
      expect((await run(['restore', '--input', archive], pg(target))).code).to.equal(0);
      await run(['retention', 'run', '--dry-run'], pg(schema));
      await run(['retention', 'run'], pg(schema));
      await run(['start', '--port', 'x'], pg(schema), 15_000);
      expect(outputs.length).to.be.greaterThan(20);
      for (const { command, text } of outputs) {
        for (const [name, value] of Object.entries(SECRETS)) expect(text, `${command} printed ${name}`).to.not.include(value);
      }
      expect(readFileSync(join(dir, 'inv.json'), 'utf8')).to.not.include(SECRETS.botToken);
    } finally {
      await schema?.drop();
      await target?.drop();
    }
  });
});
