import { runGatewayCli, startGatewayProcess, type GatewayProcess } from '@cowork-gateway/core/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the compiled CLI, `hosts/standalone-gateway/dist/src/bin.js`. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'bin.js');
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');
export const PREFIX = 'OPEN_COWORK_STANDALONE_GATEWAY_';

export type HostProcess = GatewayProcess;

/** Writes a config object to a fresh temp dir and returns the file path. */
export function writeConfig(config: unknown, dir = mkdtempSync(join(tmpdir(), 'cowork-e2e-'))): string {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Env for a child gateway: only what the test sets plus PATH/HOME, port 0, memory store. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    [`${PREFIX}STORE`]: 'memory',
    [`${PREFIX}PORT`]: '0',
    [`${PREFIX}LOG_LEVEL`]: 'info',
    [`${PREFIX}OPENCODE_MANAGED`]: 'false',
    ...extra,
  };
}

/** Starts `cowork-standalone-gateway start` as a child process and waits for it to listen. */
export function startHost(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<HostProcess> {
  return startGatewayProcess({ bin: BIN, args: ['start', ...args], env, timeoutMs, killAfterMs: 15_000 });
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runGatewayCli({ bin: BIN, args, env, timeoutMs });
}

/** POSTs JSON to the gateway. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

/** GETs JSON with the admin token. */
export async function adminGet(url: string, token: string): Promise<any> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
