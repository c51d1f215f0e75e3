import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { childEnv, PREFIX, runCli } from './helpers/host-process.js';

const TOKEN = 'setup-admin-token-Jd82kQm4Vz71';
const BOT_TOKEN = '424242:setup-bot-token-Hs7Qw2';

describe('cowork-standalone-gateway setup and validate (child process)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cowork-setup-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('setup', () => {
    it('writes a 0600 env file without echoing the secrets it was given, and the file validates', async () => {
      const file = join(dir, 'standalone.env');
      const result = await runCli(['setup', '--output', file, '--admin-token', TOKEN, '--telegram-bot-token', BOT_TOKEN, '--opencode-url', 'http://127.0.0.1:4096/', '--database-url', 'postgres://gw:db-pass-Yy31@127.0.0.1:5432/gw', '--runtime-root', dir], childEnv());
      expect(result.code, result.stderr).to.equal(0);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const text = readFileSync(file, 'utf8');
      expect(text).to.include(`${PREFIX}ADMIN_TOKEN=${TOKEN}`).and.include(`${PREFIX}TELEGRAM_BOT_TOKEN=${BOT_TOKEN}`).and.include(`${PREFIX}OPENCODE_URL=http://127.0.0.1:4096\n`);
      for (const secret of [TOKEN, BOT_TOKEN, 'db-pass-Yy31']) expect(result.stdout + result.stderr).to.not.include(secret);
      expect(result.stdout).to.include('ADMIN_TOKEN: set (not shown)');
      const validate = await runCli(['validate', file], childEnv());
      expect(validate.code, validate.stdout).to.equal(0);
      expect(validate.stdout + validate.stderr).to.not.include(TOKEN);
    });

    it('generates a strong admin token into the file only', async () => {
      const file = join(dir, 'generated.env');
      const result = await runCli(['setup', '--output', file, '--generate-admin-token', '--store', 'memory'], childEnv());
      expect(result.code, result.stderr).to.equal(0);
      const token = /ADMIN_TOKEN=(\S+)/.exec(readFileSync(file, 'utf8'))![1]!;
      expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(result.stdout).to.not.include(token);
      expect(result.stdout).to.include('generated a random admin token');
      expect(readFileSync(file, 'utf8')).to.include(`# ${PREFIX}TELEGRAM_BOT_TOKEN=\n`);
    });

    it('--print shows placeholders, refuses real secrets unless --allow-secret-print', async () => {
      const placeholders = await runCli(['setup', '--print'], childEnv());
      expect(placeholders.code).to.equal(0);
      expect(placeholders.stdout).to.include(`${PREFIX}ADMIN_TOKEN=<set ${PREFIX}ADMIN_TOKEN>`);
      const refused = await runCli(['setup', '--print', '--admin-token', TOKEN], childEnv());
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.match(/^setup\.secret_print_refused: /);
      expect(refused.stdout + refused.stderr).to.not.include(TOKEN);
      const allowed = await runCli(['setup', '--print', '--admin-token', TOKEN, '--allow-secret-print'], childEnv());
      expect(allowed.code).to.equal(0);
      expect(allowed.stdout).to.include(TOKEN);
    });

    it('refuses public OpenCode URLs, wildcard binds, weak tokens, relative runtime roots and overwriting', async () => {
      const cases: [string[], RegExp][] = [
        [['--opencode-url', 'http://93.184.216.34:4096'], /^opencode\.url_not_private: /],
        [['--opencode-url', 'http://169.254.169.254'], /instance-metadata/],
        [['--host', '0.0.0.0'], /wildcard bind/],
        [['--host', '::'], /wildcard bind/],
        [['--admin-token', 'change-me-please-123'], /16 or more characters \(not a placeholder\)/],
        [['--runtime-root', 'relative/dir'], /--runtime-root must be an absolute/],
        [['--port', '70000'], /--port must be/],
        [['--store', 'sqlite'], /--store must be/],
        [['--database-url', 'mysql://x'], /--database-url must be/],
        [['--admin-token', TOKEN, '--generate-admin-token'], /exclude each other/],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(['setup', '--output', join(dir, 'refused.env'), ...args], childEnv());
        expect(result.code, args.join(' ')).to.equal(2);
        expect(result.stderr).to.match(message);
      }
      expect(() => statSync(join(dir, 'refused.env'))).to.throw();
      const neither = await runCli(['setup'], childEnv());
      expect(neither.code).to.equal(2);
      const file = join(dir, 'exists.env');
      writeFileSync(file, 'keep');
      const overwrite = await runCli(['setup', '--output', file], childEnv());
      expect(overwrite.code).to.equal(2);
      expect(overwrite.stderr).to.match(/^setup\.output_exists: /);
      expect(readFileSync(file, 'utf8')).to.equal('keep');
      expect((await runCli(['setup', '--output', file, '--force'], childEnv())).code).to.equal(0);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
    });
  });

  describe('validate', () => {
    const write = (name: string, text: string): string => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };

    it('checks the current configuration when given no files', async () => {
      const ok = await runCli(['validate'], childEnv());
      expect(ok.code, ok.stdout).to.equal(0);
      const bad = await runCli(['validate', '--json'], childEnv({ [`${PREFIX}STORE`]: 'postgres' }));
      expect(bad.code).to.equal(1);
      expect(JSON.parse(bad.stdout).findings[0]).to.include({ level: 'error', code: 'host.database_url_required' });
    });

    it('reports env-file errors with line numbers, and real secrets in an example', async () => {
      const file = write('standalone.env.example', [
        '# example',
        `${PREFIX}HOST=0.0.0.0`,
        `${PREFIX}PORT=eighty`,
        `${PREFIX}ADMIN_TOKEN=Realsecretvalue1234567`,
        `${PREFIX}NOT_A_SETTING=1`,
        'garbage line',
        `${PREFIX}HOST=127.0.0.1`,
      ].join('\n'));
      const result = await runCli(['validate', '--json', file], childEnv());
      expect(result.code).to.equal(1);
      const findings = JSON.parse(result.stdout).findings as { line?: number; code: string; level: string }[];
      const at = (code: string): number | undefined => findings.find((f) => f.code === code)?.line;
      expect(at('validate.real_secret_in_example')).to.equal(4);
      expect(at('validate.unknown_setting')).to.equal(5);
      expect(at('validate.env_syntax')).to.equal(6);
      expect(at('validate.env_duplicate')).to.equal(7);
      expect(findings.find((f) => f.code === 'config.invalid')).to.include({ line: 3 });
      expect(result.stdout).to.not.include('Realsecretvalue1234567');
      const placeholders = write('ok.env.example', `${PREFIX}HOST=127.0.0.1\n${PREFIX}ADMIN_TOKEN=<set ${PREFIX}ADMIN_TOKEN>\n${PREFIX}STORE=postgres\n`);
      expect((await runCli(['validate', placeholders], childEnv())).code).to.equal(0);
    });

    it('checks systemd units and topology profiles', async () => {
      const unit = write('gateway.service', '[Unit]\nDescription=x\n[Service]\nUser=root\nExecStart=node bin.js start\nEnvironment=OPEN_COWORK_STANDALONE_GATEWAY_ADMIN_TOKEN=abc\n');
      const result = await runCli(['validate', '--json', unit], childEnv());
      expect(result.code).to.equal(1);
      const codes = JSON.parse(result.stdout).findings.map((f: { code: string }) => f.code);
      expect(codes).to.include.members(['validate.unit_section_missing', 'validate.unit_runs_as_root', 'validate.unit_exec_relative', 'validate.unit_inline_secret', 'validate.unit_hardening']);
      const good = write('good.service', '[Unit]\nDescription=Standalone Gateway\n[Service]\nUser=cowork\nEnvironmentFile=/etc/cowork/standalone.env\nExecStart=/usr/bin/cowork-standalone-gateway start\nRestart=on-failure\nNoNewPrivileges=true\nProtectSystem=strict\nPrivateTmp=true\n[Install]\nWantedBy=multi-user.target\n');
      const okUnit = await runCli(['validate', good], childEnv());
      expect(okUnit.code, okUnit.stdout).to.equal(0);

      const profile = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
        id, label: id, status: 'supported', intendedOperators: [], surfaces: [], executionAuthorities: ['gateway_standalone'], controlPlanes: ['gateway_postgres'],
        referenceAssets: [], soloPath: 's', productionPath: 'p', securityBoundary: 'b', requiredDurability: [], failClosedChecks: [], validationCommands: [], smokeCommands: [], notes: [], ...extra,
      });
      const topology = write('topology-profiles.json', JSON.stringify({ schemaVersion: 1, profiles: [profile('gateway-only')] }));
      expect((await runCli(['validate', topology], childEnv())).code).to.equal(0);
      const broken = write('topology-profiles.broken.json', JSON.stringify({ schemaVersion: 2, profiles: [profile('gateway-only', { executionAuthorities: ['cloud_worker'], notes: 'x' }), profile('gateway-only', { soloPath: '' })] }));
      const bad = await runCli(['validate', '--json', broken], childEnv());
      expect(bad.code).to.equal(1);
      const messages = JSON.parse(bad.stdout).findings.map((f: { message: string }) => f.message).join('\n');
      expect(messages).to.match(/schemaVersion must be 1/).and.match(/appears twice/).and.match(/notes must be an array/).and.match(/soloPath must be a non-empty string/).and.match(/gateway_standalone/);
    });

    it('checks a gateway config file on its own, and a missing file', async () => {
      const config = write('gateway.json', JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake' }], identities: [{ provider: 'fake', externalUserId: 'a', role: 'root' }] }));
      const result = await runCli(['validate', config, join(dir, 'missing.json')], childEnv());
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/gateway\.json: error config\.invalid: .*role/);
      expect(result.stdout).to.match(/missing\.json: error validate\.file_missing/);
    });
  });
});
