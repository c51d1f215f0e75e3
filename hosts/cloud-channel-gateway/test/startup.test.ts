import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, PREFIX, runCli, startHost } from './helpers/host-process.js';
import { ADMIN, BOT, REFUSALS, TOKEN } from './helpers/refusals.js';

const base = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: Record<string, string> = {
    OPEN_COWORK_CLOUD_BASE_URL: 'https://cloud.example.com',
    [`${PREFIX}SERVICE_TOKEN`]: TOKEN,
    [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
    [`${PREFIX}TELEGRAM_BOT_TOKEN`]: BOT,
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return childEnv(env);
};

describe('cowork-gateway startup refusals (fail closed, naming the setting)', function () {
  this.timeout(60_000);

  for (const refusal of REFUSALS) {
    it(`refuses ${refusal.title}`, async () => {
      const { code, stderr } = await runCli(['start'], base(refusal.env));
      expect(code, stderr).to.equal(2);
      expect(stderr).to.contain(refusal.code);
      expect(stderr).to.contain(refusal.names);
      expect(stderr).to.not.contain(TOKEN);
      expect(stderr).to.not.contain(BOT);
      expect(stderr).to.not.contain(ADMIN);
    });
  }

  it('refuses a config file that carries the Cloud connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-gw-'));
    const file = join(dir, 'gateway.json');
    for (const doc of [{ cloud: { baseUrl: 'https://elsewhere.example.com' } }, { timeouts: { cloudRequestMs: 5 } }]) {
      writeFileSync(file, JSON.stringify(doc));
      const { code, stderr } = await runCli(['start', '--config', file], base());
      expect(code, stderr).to.equal(2);
      expect(stderr).to.contain('config.invalid');
      expect(stderr).to.contain(`${Object.keys(doc)[0]} (file ${file}`);
    }
  });
});

describe('cowork-gateway setup', function () {
  this.timeout(30_000);

  it('writes a 0600 remote env file without echoing secrets, and refuses to overwrite it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-setup-'));
    const output = join(dir, '.env.gateway');
    const args = ['setup', '--mode', 'remote', '--cloud-url', 'https://cowork.example.com/', '--service-token', TOKEN, '--telegram-bot-token', BOT, '--output', output];
    const { code, stdout, stderr } = await runCli(args, childEnv());
    expect(code, stderr).to.equal(0);
    expect(statSync(output).mode & 0o777).to.equal(0o600);
    const text = readFileSync(output, 'utf8');
    expect(text).to.contain(`OPEN_COWORK_GATEWAY_SERVICE_TOKEN=${TOKEN}`);
    expect(text).to.contain('OPEN_COWORK_CLOUD_BASE_URL=https://cowork.example.com\n');
    expect(text).to.contain('OPEN_COWORK_GATEWAY_PRODUCT_MODE=cloud_channel');
    expect(text).to.match(/OPEN_COWORK_GATEWAY_ADMIN_TOKEN=[A-Za-z0-9_-]{40,}/);
    for (const secret of [TOKEN, BOT, text.match(/ADMIN_TOKEN=(\S+)/)![1]!]) {
      expect(stdout).to.not.contain(secret);
      expect(stderr).to.not.contain(secret);
    }
    expect(stdout).to.contain('OPEN_COWORK_GATEWAY_SERVICE_TOKEN');
    const again = await runCli(args, childEnv());
    expect(again.code).to.equal(2);
    expect(again.stderr).to.contain('--force');
  });

  it('writes a local all-in-one env file with generated Cloud secrets, and validates its inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-setup-'));
    const output = join(dir, 'local.env');
    const { code, stdout } = await runCli(['setup', '--mode', 'local', '--output', output], childEnv({ OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN: BOT }));
    expect(code).to.equal(0);
    const text = readFileSync(output, 'utf8');
    expect(text).to.contain('OPEN_COWORK_CLOUD_BASE_URL=http://open-cowork-cloud:8787');
    expect(text).to.contain('OPEN_COWORK_GATEWAY_ALLOW_INSECURE_HTTP=true');
    expect(text).to.match(/OPEN_COWORK_CLOUD_SECRET_KEY=\S{40,}/);
    expect(text).to.contain(`OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN=${BOT}`);
    expect(stdout).to.not.contain(BOT);
    expect(statSync(output).mode & 0o777).to.equal(0o600);
    const bad = [
      { args: ['setup', '--mode', 'cloud'], text: '--mode must be remote or local' },
      { args: ['setup', '--mode', 'remote', '--output', join(dir, 'a')], text: '--cloud-url' },
      { args: ['setup', '--mode', 'remote', '--cloud-url', 'http://cowork.example.com', '--output', join(dir, 'b')], text: 'https' },
      { args: ['setup', '--mode', 'remote', '--cloud-url', 'https://c.example.com', '--output', join(dir, 'c')], text: '--service-token' },
      { args: ['setup', '--mode', 'remote', '--cloud-url', 'https://c.example.com', '--service-token', 'nope', '--output', join(dir, 'd')], text: 'occ_<tokenId>_<secret>' },
    ];
    for (const { args, text: expected } of bad) {
      const result = await runCli(args, childEnv());
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr).to.contain('cloud_gateway.setup_invalid');
      expect(result.stderr).to.contain(expected);
    }
  });
});

describe('cowork-gateway loopback operator bypass', function () {
  this.timeout(60_000);

  it('lets loopback requests in without the admin token only when allowed, and never proxy-forwarded ones', async () => {
    const { FakeCloud } = await import('@cowork-gateway/cloud-executor/testing');
    const { startFakeTelegram } = await import('@cowork-gateway/telegram/testing');
    const cloud = new FakeCloud();
    await cloud.start();
    cloud.addChannelBinding({ provider: 'telegram', bindingId: 'telegram' });
    const token = cloud.issueToken({ channelBindingIds: ['telegram'] });
    const telegram = await startFakeTelegram({ token: BOT });
    const host = await startHost(base({
      OPEN_COWORK_CLOUD_BASE_URL: cloud.url,
      [`${PREFIX}SERVICE_TOKEN`]: token.plaintext,
      [`${PREFIX}ADMIN_TOKEN`]: undefined,
      [`${PREFIX}ALLOW_LOOPBACK_OPERATOR_BYPASS`]: 'true',
      [`${PREFIX}TELEGRAM_API_ROOT`]: telegram.url,
      [`${PREFIX}METRICS_ENABLED`]: 'false',
    }));
    try {
      expect((await fetch(host.url + '/diagnostics')).status).to.equal(200);
      expect((await fetch(host.url + '/diagnostics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).to.equal(401);
      const metrics = await fetch(host.url + '/metrics');
      expect(metrics.status).to.equal(404);
      expect(((await metrics.json()) as { error: { code: string } }).error.code).to.equal('operator.disabled');
      expect((await fetch(host.url + '/deliveries?status=bogus')).status).to.equal(400);
    } finally {
      await host.stop();
      await telegram.close();
      await cloud.stop();
    }
  });
});
