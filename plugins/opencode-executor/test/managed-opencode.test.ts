import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isGatewayError, type Logger } from '@cowork-gateway/core';
import { ManagedOpenCode, type ManagedOpenCodeSettings } from '../src/managed/managed-opencode.js';
import { managedChildEnv } from '../src/managed/child-env.js';
import { freeLoopbackPort } from '../src/managed/free-port.js';
import { eventually } from './helpers.js';
import { writeFakeOpenCodeBinary } from './fake-opencode-binary.js';

function recordingLogger(): Logger & { lines: { level: string; event: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    lines,
    debug: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'debug', event, fields }),
    info: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'info', event, fields }),
    warn: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', event, fields }),
    error: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'error', event, fields }),
    child: () => logger,
  };
  return logger;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidsIn(dir: string): number[] {
  return readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
}

describe('ManagedOpenCode', function () {
  this.timeout(20_000);
  let fixture: { dir: string; binary: string };
  let managed: ManagedOpenCode | undefined;
  let logger: ReturnType<typeof recordingLogger>;

  const settings = (overrides: Partial<ManagedOpenCodeSettings> = {}): ManagedOpenCodeSettings => ({
    command: fixture.binary,
    dataDir: join(fixture.dir, 'data'),
    startTimeoutMs: 10_000,
    restart: true,
    passEnv: ['MY_EXTRA_KEY'],
    instanceId: 'opencode',
    username: 'opencode',
    parentEnv: {
      PATH: process.env.PATH,
      OPENCODE_CONFIG_CONTENT: '{"model":"fake/fake-model"}',
      OPENCODE_SERVER_PASSWORD: 'operator-value-must-not-win',
      OPEN_COWORK_STANDALONE_GATEWAY_ADMIN_TOKEN: 'gateway-admin-token',
      ANTHROPIC_API_KEY: 'provider-key',
      MY_EXTRA_KEY: 'extra',
      UNRELATED_SECRET: 'nope',
    },
    ...overrides,
  });

  beforeEach(() => {
    fixture = writeFakeOpenCodeBinary();
    logger = recordingLogger();
  });

  afterEach(async () => {
    await managed?.stop();
    managed = undefined;
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('starts opencode serve on 127.0.0.1 with a generated password and an isolated, filtered environment', async () => {
    managed = new ManagedOpenCode(settings(), logger);
    const started = await managed.start();
    expect(started.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.password).to.have.length.at.least(24);
    expect(started.directory).to.equal(join(fixture.dir, 'data', 'workspace'));
    expect(managed.state).to.equal('running');
    const { env, args, cwd } = JSON.parse(readFileSync(join(fixture.dir, 'env.json'), 'utf8')) as { env: Record<string, string>; args: string[]; cwd: string };
    expect(args).to.deep.equal(['serve', '--hostname', '127.0.0.1', '--port', started.url.split(':')[2]]);
    expect(cwd).to.equal(started.directory);
    expect(env.OPENCODE_SERVER_PASSWORD).to.equal(started.password);
    expect(env.HOME).to.equal(join(fixture.dir, 'data', 'home'));
    expect(env.XDG_DATA_HOME).to.equal(join(fixture.dir, 'data', 'data'));
    expect(env).to.include({ OPENCODE_CONFIG_CONTENT: '{"model":"fake/fake-model"}', ANTHROPIC_API_KEY: 'provider-key', MY_EXTRA_KEY: 'extra', OPENCODE_DISABLE_MODELS_FETCH: '1' });
    expect(env).not.to.have.any.keys('OPEN_COWORK_STANDALONE_GATEWAY_ADMIN_TOKEN', 'UNRELATED_SECRET');
  });

  it('logs the child\'s output at debug with the password redacted', async () => {
    managed = new ManagedOpenCode(settings(), logger);
    const { password } = await managed.start();
    await eventually(() => logger.lines.some((l) => String(l.fields?.line).startsWith('starting with password')), 'the child output');
    const output = logger.lines.filter((l) => l.event === 'opencode.managed.output');
    expect(output.every((l) => l.level === 'debug')).to.equal(true);
    expect(JSON.stringify(logger.lines)).not.to.include(password);
    expect(output.map((l) => l.fields?.line)).to.include('starting with password [REDACTED]');
  });

  it('restarts a child that dies while running, on the same URL, and reports restarting meanwhile', async () => {
    managed = new ManagedOpenCode(settings({ parentEnv: { ...settings().parentEnv, OPENCODE_FAKE_MODE: 'crash-once' } }), logger);
    const { url } = await managed.start();
    await eventually(() => managed!.state === 'restarting', 'the crash to be noticed');
    await eventually(() => managed!.state === 'running', 'the restart', 10_000);
    expect(managed.restarts).to.equal(1);
    expect(managed.url).to.equal(url);
    expect(pidsIn(fixture.dir)).to.have.length(2);
    expect(logger.lines.some((l) => l.event === 'opencode.managed.exited' && l.level === 'warn')).to.equal(true);
  });

  it('does not restart when restart is off', async () => {
    managed = new ManagedOpenCode(settings({ restart: false, parentEnv: { ...settings().parentEnv, OPENCODE_FAKE_MODE: 'crash-once' } }), logger);
    await managed.start();
    await eventually(() => managed!.state === 'stopped', 'the exit');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(pidsIn(fixture.dir)).to.have.length(1);
  });

  it('stops the child with its process group on stop()', async () => {
    managed = new ManagedOpenCode(settings(), logger);
    await managed.start();
    const [pid] = pidsIn(fixture.dir);
    expect(alive(pid!)).to.equal(true);
    await managed.stop();
    await eventually(() => !alive(pid!), 'the child to exit');
    expect(managed.state).to.equal('stopped');
  });

  it('fails start with opencode.start_failed when the child exits, quoting its output without the password', async () => {
    managed = new ManagedOpenCode(settings({ parentEnv: { ...settings().parentEnv, OPENCODE_FAKE_MODE: 'exit' } }), logger);
    const error = await managed.start().catch((e: unknown) => e);
    expect(isGatewayError(error, 'opencode.start_failed')).to.equal(true);
    expect((error as Error).message).to.include('fatal: cannot start').and.include('[REDACTED]');
  });

  it('fails start with opencode.start_failed when health never answers within startTimeoutMs, and leaves no child', async () => {
    managed = new ManagedOpenCode(settings({ startTimeoutMs: 1_000, parentEnv: { ...settings().parentEnv, OPENCODE_FAKE_MODE: 'never-ready' } }), logger);
    const error = await managed.start().catch((e: unknown) => e);
    expect(isGatewayError(error, 'opencode.start_failed')).to.equal(true);
    expect((error as Error).message).to.include('managed.startTimeoutMs');
    const [pid] = pidsIn(fixture.dir);
    await eventually(() => !alive(pid!), 'the child to be stopped');
  });

  it('fails start with opencode.binary_not_found for a missing command', async () => {
    managed = new ManagedOpenCode(settings({ command: join(fixture.dir, 'nope', 'opencode') }), logger);
    const error = await managed.start().catch((e: unknown) => e);
    expect(isGatewayError(error, 'opencode.binary_not_found')).to.equal(true);
    expect((error as Error).message).to.include('managed.command');
  });

  it('has its reaper kill opencode when the gateway side of the pipe closes (gateway killed)', async () => {
    const reaper = fileURLToPath(new URL('../src/managed/reaper.js', import.meta.url));
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, [reaper, fixture.binary, 'serve', '--hostname', '127.0.0.1', '--port', String(port)], {
      env: { PATH: process.env.PATH, OPENCODE_SERVER_PASSWORD: 'x' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await eventually(() => {
      try {
        return pidsIn(fixture.dir).length === 1;
      } catch {
        return false;
      }
    }, 'opencode to start');
    const [pid] = pidsIn(fixture.dir);
    child.stdin!.end();
    await eventually(() => !alive(pid!), 'opencode to be killed');
    await eventually(() => child.exitCode !== null || child.signalCode !== null, 'the reaper to exit');
  });
});

describe('managedChildEnv', () => {
  it('sets the server credentials and XDG dirs itself, and lets operator OPENCODE_* settings override the quiet defaults', () => {
    const env = managedChildEnv({
      parentEnv: { OPENCODE_DISABLE_MODELS_FETCH: '0', OPENCODE_SERVER_USERNAME: 'evil', LC_ALL: 'C', DATABASE_URL: 'postgres://x' },
      passEnv: [],
      dataDir: '/data',
      username: 'opencode',
      password: 'pw',
    });
    expect(env).to.include({ OPENCODE_DISABLE_MODELS_FETCH: '0', OPENCODE_SERVER_USERNAME: 'opencode', OPENCODE_SERVER_PASSWORD: 'pw', LC_ALL: 'C', XDG_CONFIG_HOME: '/data/config', OPENCODE_ENABLE_QUESTION_TOOL: '1' });
    expect(env).not.to.have.property('DATABASE_URL');
  });
});

describe('resolveOpenCodeBinary', () => {
  it('finds the platform binary installed with opencode-ai', async function () {
    const { resolveOpenCodeBinary } = await import('../src/managed/binary.js');
    const binary = resolveOpenCodeBinary();
    expect(binary).to.match(new RegExp(`opencode-${process.platform}-${process.arch}/bin/opencode$`));
  });

  it('takes a bare command name as is (looked up on PATH) and refuses a missing path', async () => {
    const { resolveOpenCodeBinary } = await import('../src/managed/binary.js');
    expect(resolveOpenCodeBinary('opencode')).to.equal('opencode');
    expect(() => resolveOpenCodeBinary('/nowhere/opencode')).to.throw(/opencode\.binary_not_found/);
  });
});
