import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { opencodeConfigFor, startFakeLlm, type FakeLlm } from '@cowork-gateway/opencode-executor/testing';
import { childEnv, eventually, PREFIX, runCli, startHost, type HostProcess } from './helpers/host-process.js';
import { freshSchema, TEST_DATABASE_URL } from './helpers/postgres.js';

const ADMIN_TOKEN = 'doctor-admin-token-4kLw9Rt2QpXz';
const SHARED_SECRET = 'doctor-shared-secret-7Hn3';

interface Check { code: string; status: string; message: string }
const byCode = (report: { checks: Check[] }): Record<string, Check> => Object.fromEntries(report.checks.map((c) => [c.code, c]));

/** A loopback stand-in for an external `opencode serve`: health and the providers/models route, as OpenCode answers them. */
async function openCodeLike(body: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/global/health') return void res.end(JSON.stringify({ healthy: true, version: '1.18.33' }));
    if (req.url === '/config/providers') return void res.end(JSON.stringify(body));
    res.setHeader('content-type', 'text/html');
    res.end('<html></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('cowork-standalone-gateway doctor (child process)', function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cowork-doctor-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('fails on a fresh `npm start` setup and names what is missing; /ready says not ready too', async () => {
    // `npm start` = `start --store memory` with a managed OpenCode and nothing else configured.
    const env = childEnv({ [`${PREFIX}OPENCODE_MANAGED`]: 'true', [`${PREFIX}OPENCODE_DATA_DIR`]: dataDir(), [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN });
    const host = await startHost(['--store', 'memory'], env, 90_000);
    try {
      const ready = await fetch(`${host.url}/ready`);
      const body = (await ready.json()) as any;
      expect(ready.status).to.equal(503);
      expect(body.components.access).to.include({ state: 'not_configured', providers: 0 });

      const json = await runCli(['doctor', '--json', '--url', host.url], env, 60_000);
      expect(json.code, json.stderr).to.equal(1);
      const report = JSON.parse(json.stdout);
      expect(report.ok).to.equal(false);
      const checks = byCode(report);
      expect(checks.providers).to.include({ status: 'fail' });
      expect(checks.providers!.message).to.match(/no provider is configured/);
      expect(checks.identities).to.include({ status: 'fail' });
      expect(checks.identities!.message).to.match(/no active owner, admin or member identity/);
      expect(checks['opencode.model']).to.include({ status: 'fail' });
      expect(checks['opencode.model']!.message).to.match(/managed OpenCode has no configured model/);
      expect(checks['gateway.ready']).to.include({ status: 'fail' });
      expect(checks.admin_token).to.include({ status: 'pass' });
      expect(checks['store.reachable']).to.include({ status: 'pass' });

      const human = await runCli(['doctor', '--url', host.url], env, 60_000);
      expect(human.code).to.equal(1);
      expect(human.stdout).to.match(/^STATUS\s+CHECK\s+DETAIL/);
      expect(human.stdout).to.match(/doctor: \d check\(s\) failed: .*opencode\.model, providers, identities/);
      expect(human.stdout + json.stdout + human.stderr + json.stderr).to.not.include(ADMIN_TOKEN);
    } finally {
      expect(await host.stop()).to.equal(0);
    }
  });

  it('passes once a provider, a model and an identity are configured (the identity added with the CLI)', async () => {
    const llm: FakeLlm = await startFakeLlm({ chunkDelayMs: 1 });
    const channel = await FakeChannel.start();
    const env = childEnv({
      [`${PREFIX}OPENCODE_MANAGED`]: 'true',
      [`${PREFIX}OPENCODE_DATA_DIR`]: dataDir(),
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN,
      [`${PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url, sharedSecret: SHARED_SECRET } }] }),
      OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfigFor(llm.url)),
    });
    const host: HostProcess = await startHost(['--store', 'memory'], env, 90_000);
    try {
      await eventually(async () => ((await (await fetch(`${host.url}/ready`)).json()) as any).components.executor.state === 'ok', 60_000, 'the managed OpenCode');
      const before = await runCli(['doctor', '--json', '--url', host.url], env, 60_000);
      expect(before.code).to.equal(1);
      const failing = JSON.parse(before.stdout).checks.filter((c: Check) => c.status === 'fail').map((c: Check) => c.code);
      expect(failing).to.deep.equal(['identities', 'gateway.ready']);

      const upsert = await runCli(['identity', 'upsert', '--provider', 'fake', '--external-user-id', 'alice', '--role', 'admin', '--url', host.url], env);
      expect(upsert.code, upsert.stderr).to.equal(0);

      const after = await runCli(['doctor', '--security', '--url', host.url], env, 60_000);
      expect(after.code, after.stdout).to.equal(0);
      expect(after.stdout).to.match(/PASS\s+opencode\.model\s+managed OpenCode configured with model fake\/fake-model/);
      expect(after.stdout).to.match(/PASS\s+identities\s+1 active prompt-capable identity/);
      expect(after.stdout).to.match(/PASS\s+security\.provider_signing/);
      expect(after.stdout).to.include('doctor: ok');
      expect((await fetch(`${host.url}/ready`)).status).to.equal(200);
      for (const out of [before.stdout, before.stderr, after.stdout, after.stderr, upsert.stdout]) {
        expect(out).to.not.include(ADMIN_TOKEN);
        expect(out).to.not.include(SHARED_SECRET);
      }
    } finally {
      expect(await host.stop()).to.equal(0);
      await channel.close();
      await llm.close();
    }
  });

  it('checks PostgreSQL directly: migrations, TLS booleans, identities; --security flags risky setups', async () => {
    const schema = await freshSchema();
    const opencode = await openCodeLike({ providers: [], default: {} });
    try {
      const store = await schema.openStore();
      await store.identities.upsert({ provider: 'fake', externalUserId: 'bob', role: 'member' });
      const env = childEnv({
        [`${PREFIX}STORE`]: 'postgres',
        [`${PREFIX}DATABASE_URL`]: TEST_DATABASE_URL,
        [`${PREFIX}DATABASE_SCHEMA`]: schema.name,
        [`${PREFIX}HOST`]: '10.1.2.3',
        [`${PREFIX}PORT`]: '9',
        [`${PREFIX}OPENCODE_URL`]: opencode.url,
        [`${PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: 'http://127.0.0.1:9/' } }] }),
      });
      const result = await runCli(['doctor', '--json', '--security', '--url', 'http://127.0.0.1:9'], env, 60_000);
      expect(result.code, result.stderr).to.equal(1);
      const checks = byCode(JSON.parse(result.stdout));
      expect(checks['store.reachable']).to.include({ status: 'pass' });
      expect(checks['store.migrations']).to.include({ status: 'pass' });
      expect(checks['store.tls']).to.include({ status: 'pass' });
      expect((checks['store.tls'] as any).evidence).to.deep.equal({ deploymentMode: 'solo', enabled: false, rejectUnauthorized: true, caConfigured: false, certConfigured: false, keyConfigured: false });
      expect(checks.identities).to.include({ status: 'pass' });
      expect(checks.admin_token).to.include({ status: 'fail' });
      expect(checks['opencode.model']).to.include({ status: 'fail' });
      expect(checks['opencode.model']!.message).to.match(/healthy but has no configured model/);
      expect(checks['security.bind']).to.include({ status: 'fail' });
      expect(checks['security.provider_signing']).to.include({ status: 'fail' });
      expect(checks['security.approvers']).to.include({ status: 'fail' });
      expect(checks['gateway.ready']).to.include({ status: 'skipped' });

      const team = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], { ...env, [`${PREFIX}DEPLOYMENT_MODE`]: 'team' }, 60_000);
      const teamChecks = byCode(JSON.parse(team.stdout));
      expect(teamChecks['store.tls']).to.include({ status: 'fail' });
      // Team mode without verified TLS does not connect at all.
      expect(teamChecks['store.reachable']).to.include({ status: 'fail' });
      const fresh = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], { ...env, [`${PREFIX}DATABASE_SCHEMA`]: `${schema.name}_new` }, 60_000);
      const freshChecks = byCode(JSON.parse(fresh.stdout));
      expect(freshChecks['store.migrations']).to.include({ status: 'fail' });
      expect(freshChecks['store.migrations']!.message).to.match(/migration\(s\) pending/);
      const down = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], { ...env, [`${PREFIX}DATABASE_URL`]: 'postgres://postgres:hunter2-db-password@127.0.0.1:1/test' }, 60_000);
      const downChecks = byCode(JSON.parse(down.stdout));
      expect(downChecks['store.reachable']).to.include({ status: 'fail' });
      expect(downChecks['store.migrations']).to.include({ status: 'skipped' });
      expect(down.stdout + down.stderr).to.not.include('hunter2-db-password');
    } finally {
      await opencode.close();
      await schema.drop();
    }
  });

  it('accepts an external OpenCode whose default model its providers list', async () => {
    const opencode = await openCodeLike({ providers: [{ id: 'anthropic', models: { 'claude-sonnet': {} } }], default: { anthropic: 'claude-sonnet' } });
    try {
      const env = childEnv({ [`${PREFIX}OPENCODE_URL`]: opencode.url, [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN });
      const result = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], env, 60_000);
      const checks = byCode(JSON.parse(result.stdout));
      expect(checks['opencode.model']).to.include({ status: 'pass' });
      expect(checks['opencode.model']!.message).to.include('anthropic/claude-sonnet');
    } finally {
      await opencode.close();
    }
  });

  it('reports an invalid config as a failed check, and OPENCODE_MANAGED=false as no executor', async () => {
    const bad = await runCli(['doctor', '--json'], childEnv({ [`${PREFIX}PORT`]: 'not-a-port' }));
    expect(bad.code).to.equal(1);
    expect(byCode(JSON.parse(bad.stdout)).config).to.include({ status: 'fail' });
    const none = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], childEnv());
    expect(byCode(JSON.parse(none.stdout))['opencode.model']!.message).to.match(/no executor/);
    const help = await runCli(['doctor', '--help'], childEnv());
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('Exit codes: 0 every check passed, 1 a check failed');
  });
});
