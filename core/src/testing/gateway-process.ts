import { spawn, type ChildProcess } from 'node:child_process';

/** A gateway CLI started as a child process, listening. */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Parsed JSON log lines the process wrote to stderr so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Sends `signal` (default SIGTERM), SIGKILLs after `killAfterMs`, resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface GatewayProcessOptions {
  /** Absolute path of the host's compiled CLI (`dist/src/bin.js`). */
  bin: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** How long to wait for `gateway.listening` (start) or the exit (CLI run). */
  timeoutMs?: number;
  /** How long `stop()` waits after its signal before SIGKILL. */
  killAfterMs?: number;
}

/**
 * Starts a host CLI (e.g. `… bin.js start`) and resolves once it logs `gateway.listening`, with
 * the URL it listens on; rejects with its stderr when it exits first or does not listen in time.
 */
export function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const { timeoutMs = 20_000, killAfterMs = 20_000 } = options;
  const child = spawn(process.execPath, [options.bin, ...options.args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
        const parsed = parseJsonLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (!parsed) continue;
        logs.push(parsed);
        if (parsed.event === 'gateway.listening') {
          clearTimeout(timer);
          resolve({ url: parsed.url as string, child, logs, stderr: () => raw, stop: (signal) => stopChild(child, signal, killAfterMs) });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${raw}`));
    });
  });
}

/** Runs a host CLI command to completion and returns its exit code and output. */
export function runGatewayCli(options: GatewayProcessOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { timeoutMs = 20_000 } = options;
  const child = spawn(process.execPath, [options.bin, ...options.args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill(signal);
  });
}

function parseJsonLine(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
