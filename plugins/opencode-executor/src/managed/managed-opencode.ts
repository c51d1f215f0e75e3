import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@cowork-gateway/core';
import { OpenCodeStartFailed } from '../errors.js';
import type { ManagedOpenCodeOptions } from '../options.js';
import { resolveOpenCodeBinary } from './binary.js';
import { managedChildEnv } from './child-env.js';
import { freeLoopbackPort } from './free-port.js';

/** Everything {@link ManagedOpenCode} needs: the `managed` options plus the executor's. */
export interface ManagedOpenCodeSettings extends ManagedOpenCodeOptions {
  instanceId: string;
  username: string;
  password?: string;
  directory?: string;
  parentEnv: NodeJS.ProcessEnv;
}

export type ManagedState = 'stopped' | 'starting' | 'running' | 'restarting';

const REAPER = fileURLToPath(new URL('./reaper.js', import.meta.url));
const HEALTH_POLL_TIMEOUT_MS = 1_500;
const STOP_GRACE_MS = 5_000;
const RESTART_BASE_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A child that ran this long resets the restart backoff. */
const STABLE_AFTER_MS = 60_000;
const STDERR_LINES_KEPT = 20;

/**
 * An `opencode serve` the executor owns: on 127.0.0.1 and a free port, with a generated
 * password, isolated HOME/XDG directories under `dataDir`, and the operator's OpenCode config
 * from the environment. `start()` waits for real readiness (`GET /global/health` answering,
 * polled with short timeouts: early requests can hang). While running, a child that dies is
 * restarted with backoff; `stop()` sends SIGTERM, then SIGKILL. The child runs under a small
 * reaper process that kills its process group when the gateway exits, even on SIGKILL.
 */
export class ManagedOpenCode {
  state: ManagedState = 'stopped';
  restarts = 0;
  private child: ChildProcess | null = null;
  private port = 0;
  private password = '';
  private dataDir = '';
  private directory = '';
  private binary = '';
  private stderrTail: string[] = [];
  private startedAt = 0;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGTERM');
  };

  constructor(private readonly settings: ManagedOpenCodeSettings, private readonly logger: Logger) {}

  /** The base URL while a child is up (it keeps its port across restarts when it can). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<{ url: string; password: string; directory: string }> {
    this.binary = resolveOpenCodeBinary(this.settings.command);
    this.dataDir = this.settings.dataDir ?? join(tmpdir(), 'cowork-gateway-opencode', this.settings.instanceId);
    this.directory = this.settings.directory ?? join(this.dataDir, 'workspace');
    for (const dir of ['home', 'config', 'data', 'cache', 'state']) mkdirSync(join(this.dataDir, dir), { recursive: true, mode: 0o700 });
    mkdirSync(this.directory, { recursive: true });
    this.password = this.settings.password ?? randomBytes(24).toString('base64url');
    this.port = await freeLoopbackPort();
    this.state = 'starting';
    process.on('exit', this.killOnExit);
    try {
      await this.launch();
    } catch (error) {
      await this.stop();
      throw error;
    }
    return { url: this.url, password: this.password, directory: this.directory };
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    process.off('exit', this.killOnExit);
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private async launch(): Promise<void> {
    const child = this.spawnChild();
    await this.waitReady(child);
    this.state = 'running';
    this.startedAt = Date.now();
    this.logger.info('opencode.managed.ready', { url: this.url, pid: child.pid, directory: this.directory });
  }

  private spawnChild(): ChildProcess {
    const env = managedChildEnv({ parentEnv: this.settings.parentEnv, passEnv: this.settings.passEnv, dataDir: this.dataDir, username: this.settings.username, password: this.password });
    const args = [REAPER, this.binary, 'serve', '--hostname', '127.0.0.1', '--port', String(this.port)];
    const child = spawn(process.execPath, args, { cwd: this.directory, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stderrTail = [];
    this.forwardOutput(child);
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', (error) => this.logger.warn('opencode.managed.spawn_failed', { error }));
    return child;
  }

  private forwardOutput(child: ChildProcess): void {
    for (const [stream, source] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      if (!source) continue;
      createInterface({ input: source }).on('line', (raw) => {
        const line = this.redact(raw);
        if (stream === 'stderr') this.stderrTail = [...this.stderrTail.slice(-(STDERR_LINES_KEPT - 1)), line];
        this.logger.debug('opencode.managed.output', { stream, line });
      });
    }
  }

  private redact(line: string): string {
    return this.password ? line.split(this.password).join('[REDACTED]') : line;
  }

  /** Polls the health route with short timeouts until it answers, the child dies, or time runs out. */
  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    const authorization = `Basic ${Buffer.from(`${this.settings.username}:${this.password}`).toString('base64')}`;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new OpenCodeStartFailed({ reason: `it exited (${child.exitCode ?? child.signalCode}) during start-up: ${this.stderrTail.slice(-5).join(' | ') || 'no output'}` });
      }
      if (await this.answersHealth(authorization)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new OpenCodeStartFailed({ reason: `GET /global/health did not answer within ${this.settings.startTimeoutMs} ms (managed.startTimeoutMs)` });
  }

  private async answersHealth(authorization: string): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/global/health`, { headers: { authorization }, signal: AbortSignal.timeout(HEALTH_POLL_TIMEOUT_MS) });
      const body = (await response.json().catch(() => null)) as { healthy?: boolean } | null;
      return response.ok && body?.healthy === true;
    } catch {
      return false;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = null;
    if (this.state !== 'running') return;
    this.logger.warn('opencode.managed.exited', { code, signal, stderr: this.stderrTail.slice(-5) });
    if (!this.settings.restart) {
      this.state = 'stopped';
      return;
    }
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    this.state = 'restarting';
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.failures = 0;
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** this.failures);
    this.failures += 1;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting') return;
    this.restarts += 1;
    // Keep the port so the URL stays valid; after a failed attempt the port may be taken.
    if (this.failures > 1) this.port = await freeLoopbackPort();
    try {
      await this.launch();
    } catch (error) {
      this.logger.warn('opencode.managed.restart_failed', { error });
      const child = this.child;
      this.child = null;
      child?.kill('SIGKILL');
      if (this.state === 'restarting' || this.state === 'starting') this.scheduleRestart();
    }
  }
}
