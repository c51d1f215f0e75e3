/**
 * Runs `opencode serve` in its own process group and takes the group down when the gateway goes
 * away, even when the gateway is killed with SIGKILL: the gateway holds this process's stdin,
 * and the pipe closing is the signal. Usage: `node reaper.js <binary> [args…]`.
 */
import { spawn } from 'node:child_process';

const [binary, ...args] = process.argv.slice(2);
if (!binary) process.exit(2);

const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;

function stopGroup(): void {
  if (stopping || child.pid === undefined) return;
  stopping = true;
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), 3_000).unref();
}

function signalGroup(signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

child.on('error', (error) => {
  process.stderr.write(`cannot start ${binary}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  signalGroup('SIGKILL');
  process.exit(code ?? (signal ? 128 : 1));
});
process.stdin.on('end', stopGroup);
process.stdin.on('close', stopGroup);
process.stdin.resume();
process.on('SIGTERM', stopGroup);
process.on('SIGINT', stopGroup);
