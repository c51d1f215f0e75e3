import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the compiled CLI, `hosts/cloud-channel-gateway/dist/src/bin.js`. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'bin.js');
export const PREFIX = 'OPEN_COWORK_GATEWAY_';

export interface HostProcess {
  url: string;
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Env for a child gateway: only what the test sets plus PATH/HOME, port 0. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, [`${PREFIX}PORT`]: '0', [`${PREFIX}LOG_LEVEL`]: 'info', ...extra };
}

/** Starts `cowork-gateway start` as a child process and waits for it to listen. */
export function startHost(env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 20_000): Promise<HostProcess> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${raw}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const parsed = parseJson(line);
        if (!parsed) continue;
        logs.push(parsed);
        if (parsed.event === 'gateway.listening') {
          clearTimeout(timer);
          resolve({ url: parsed.url as string, child, logs, stderr: () => raw, stop: (signal) => stopChild(child, signal) });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${raw}`));
    });
  });
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill(signal);
  });
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
