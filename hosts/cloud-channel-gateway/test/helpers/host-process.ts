import { runGatewayCli, startGatewayProcess, type GatewayProcess } from '@cowork-gateway/core/testing';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the compiled CLI, `hosts/cloud-channel-gateway/dist/src/bin.js`. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'bin.js');
export const PREFIX = 'OPEN_COWORK_GATEWAY_';

export type HostProcess = GatewayProcess;

/** Env for a child gateway: only what the test sets plus PATH/HOME, port 0. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, [`${PREFIX}PORT`]: '0', [`${PREFIX}LOG_LEVEL`]: 'info', ...extra };
}

/** Starts `cowork-gateway start` as a child process and waits for it to listen. */
export function startHost(env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 20_000): Promise<HostProcess> {
  return startGatewayProcess({ bin: BIN, args: ['start', ...args], env, timeoutMs });
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runGatewayCli({ bin: BIN, args, env, timeoutMs });
}
