import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenCodeBinaryNotFound } from '../errors.js';

/**
 * The opencode binary to run: `command` when given (a bare name is looked up on PATH at spawn),
 * else the platform package `opencode-<platform>-<arch>` that `opencode-ai` installs as an
 * optional dependency. Its `bin/opencode` works even when install scripts were blocked.
 */
export function resolveOpenCodeBinary(command?: string): string {
  if (command !== undefined) {
    if (!command.includes('/') && !command.includes('\\')) return command;
    if (existsSync(command)) return command;
    throw new OpenCodeBinaryNotFound({ tried: command });
  }
  const platformPackage = `opencode-${process.platform}-${process.arch}`;
  const executable = process.platform === 'win32' ? 'opencode.exe' : 'opencode';
  const here = createRequire(import.meta.url);
  // Hoisted next to this package, or nested under opencode-ai when npm did not hoist it.
  for (const from of [here, besideOpenCodeAi(here)]) {
    const binary = from && packageFile(from, platformPackage, join('bin', executable));
    if (binary && existsSync(binary)) return binary;
  }
  throw new OpenCodeBinaryNotFound({ tried: `${platformPackage}/bin/${executable}` });
}

function besideOpenCodeAi(require: NodeRequire): NodeRequire | undefined {
  try {
    return createRequire(require.resolve('opencode-ai/package.json'));
  } catch {
    return undefined;
  }
}

function packageFile(require: NodeRequire, name: string, file: string): string | undefined {
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), file);
  } catch {
    return undefined;
  }
}
