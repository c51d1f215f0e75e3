/**
 * Test helpers of `@cowork-gateway/redis`: a private `redis-server` on a free loopback port (for
 * kill/restart tests) and unique key prefixes for tests sharing one Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A key prefix of its own for one test: `t-<random>`. */
export function uniqueKeyPrefix(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

/** A `redis-server` this process started; {@link stop} kills it, {@link start} brings it back on the same port. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Starts the server (again) on the same port and resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts `redis-server --port N --save "" --appendonly no` on a free loopback port (nothing is
 * persisted). The binary is `redis-server` from PATH, or `REDIS_SERVER_BIN`.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout!.off('data', onData);
          proc.off('exit', onExit);
          proc.stdout!.resume();
          resolve();
        }
      };
      const onExit = (code: number | null): void => {
        child = null;
        reject(new Error(`redis-server exited with ${code} before it was ready: ${output.slice(-500)}`));
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.resume();
      proc.once('error', reject);
      proc.once('exit', onExit);
    });
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    }
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
