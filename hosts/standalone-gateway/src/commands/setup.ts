import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { assertPrivateOpenCodeUrl } from '@cowork-gateway/opencode-executor';
import { STANDALONE_PREFIX } from '../settings.js';
import { CliArgsInvalid, EXIT, PLACEHOLDER, WILDCARD_HOSTS, type CommandResult } from './shared.js';
import { defineError } from '@cowork-gateway/core';

export interface SetupArgs {
  output?: string;
  print?: boolean;
  allowSecretPrint?: boolean;
  force?: boolean;
  adminToken?: string;
  generateAdminToken?: boolean;
  opencodeUrl?: string;
  host?: string;
  port?: string;
  store?: string;
  databaseUrl?: string;
  runtimeRoot?: string;
  telegramBotToken?: string;
  allowPrivateDns?: boolean;
}

export const SetupSecretPrintRefused = defineError<{ names: string }>({
  code: 'setup.secret_print_refused',
  status: 400,
  message: ({ names }) =>
    `setup.secret_print_refused: --print would show ${names} on the terminal; write them to a file with --output (mode 0600), or pass --allow-secret-print in a controlled terminal`,
});

export const SetupOutputExists = defineError<{ path: string }>({
  code: 'setup.output_exists',
  status: 400,
  message: ({ path }) => `setup.output_exists: ${path} already exists; pass --force to replace it`,
});

interface Line {
  key: string;
  value: string;
  secret: boolean;
  comment: string;
}

/**
 * `setup`: a starter env file. With `--output` it is written with mode 0600 and nothing secret
 * is echoed; `--print` shows placeholders for secrets and refuses to show real ones unless
 * `--allow-secret-print`. Public OpenCode URLs and wildcard binds are refused.
 */
export async function runSetup(args: SetupArgs): Promise<CommandResult> {
  if (Boolean(args.output) === Boolean(args.print)) throw new CliArgsInvalid({ command: 'setup', reason: 'give exactly one of --output <file> or --print' });
  if (args.adminToken && args.generateAdminToken) throw new CliArgsInvalid({ command: 'setup', reason: '--admin-token and --generate-admin-token exclude each other' });
  const lines = await linesFor(args);
  const secrets = lines.filter((l) => l.secret && l.value !== '');
  if (args.print) {
    if (secrets.length > 0 && !args.allowSecretPrint) throw new SetupSecretPrintRefused({ names: secrets.map((s) => `--${flagOf(s.key)}`).join(', ') });
    return { exitCode: EXIT.ok, stdout: render(lines, (l) => (l.secret && l.value === '' ? `<set ${STANDALONE_PREFIX}${l.key}>` : l.value)) };
  }
  const path = resolve(args.output!);
  if (existsSync(path) && !args.force) throw new SetupOutputExists({ path });
  const text = render(lines, (l) => (l.value === '' ? null : l.value));
  // Created 0600 and re-chmodded, so an existing file with wider permissions is narrowed too.
  const fd = openSync(path, args.force ? 'w' : 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
  const summary = [
    `wrote ${path} (mode 0600)`,
    ...lines.map((l) => `  ${STANDALONE_PREFIX}${l.key}: ${l.secret ? (l.value ? 'set (not shown)' : 'empty: fill in') : l.value}`),
    args.generateAdminToken ? 'generated a random admin token; it is only in the file' : '',
    'next: set -a; . <file>; set +a; then `cowork-standalone-gateway doctor`',
  ].filter(Boolean);
  return { exitCode: EXIT.ok, stdout: summary.join('\n') + '\n' };
}

function flagOf(key: string): string {
  return key.toLowerCase().replace(/_/g, '-');
}

/** Renders the env file; a line whose value is null is written commented out, to fill in later. */
function render(lines: Line[], value: (line: Line) => string | null): string {
  const out = ['# Standalone Gateway env file, written by `cowork-standalone-gateway setup`.', '# Load with: set -a; . ./this-file; set +a', ''];
  for (const line of lines) {
    const v = value(line);
    out.push(`# ${line.comment}`, v === null ? `# ${STANDALONE_PREFIX}${line.key}=` : `${STANDALONE_PREFIX}${line.key}=${v}`, '');
  }
  return out.join('\n');
}

async function linesFor(args: SetupArgs): Promise<Line[]> {
  const host = (args.host ?? '127.0.0.1').trim();
  if (WILDCARD_HOSTS.has(host)) {
    throw new CliArgsInvalid({ command: 'setup', reason: `--host ${host || '(empty)'} is a wildcard bind; use 127.0.0.1 (put a reverse proxy in front) or a private interface address` });
  }
  const port = args.port ?? '8795';
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new CliArgsInvalid({ command: 'setup', reason: '--port must be an integer 0-65535' });
  const store = args.store ?? 'postgres';
  if (store !== 'postgres' && store !== 'memory') throw new CliArgsInvalid({ command: 'setup', reason: '--store must be postgres or memory' });
  if (args.adminToken !== undefined && (args.adminToken.length < 16 || PLACEHOLDER.test(args.adminToken))) {
    throw new CliArgsInvalid({ command: 'setup', reason: '--admin-token must be a real secret of 16 or more characters (not a placeholder); or use --generate-admin-token' });
  }
  if (args.runtimeRoot !== undefined && (!isAbsolute(args.runtimeRoot) || resolve(args.runtimeRoot) === '/')) {
    throw new CliArgsInvalid({ command: 'setup', reason: '--runtime-root must be an absolute directory other than /' });
  }
  if (args.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(args.databaseUrl)) {
    throw new CliArgsInvalid({ command: 'setup', reason: '--database-url must be a postgres:// URL' });
  }
  let opencodeUrl = '';
  if (args.opencodeUrl !== undefined) opencodeUrl = await assertPrivateOpenCodeUrl(args.opencodeUrl, { allowPrivateDns: args.allowPrivateDns === true });
  const adminToken = args.generateAdminToken ? randomBytes(32).toString('base64url') : (args.adminToken ?? '');
  const lines: Line[] = [
    { key: 'HOST', value: host, secret: false, comment: 'Listen address; loopback unless a private interface is meant.' },
    { key: 'PORT', value: port, secret: false, comment: 'Listen port.' },
    { key: 'ADMIN_TOKEN', value: adminToken, secret: true, comment: 'Bearer token for /ready detail, /metrics, /dashboard and /admin (16+ characters).' },
    { key: 'STORE', value: store, secret: false, comment: 'postgres (durable) or memory (ephemeral, one process).' },
  ];
  if (store === 'postgres') {
    lines.push({ key: 'DATABASE_URL', value: args.databaseUrl ?? '', secret: true, comment: 'postgres://user:password@host:5432/db' });
  }
  if (opencodeUrl) lines.push({ key: 'OPENCODE_URL', value: opencodeUrl, secret: false, comment: 'Private OpenCode server (loopback or private network only).' });
  else lines.push({ key: 'OPENCODE_MANAGED', value: 'true', secret: false, comment: 'Spawn a private `opencode serve` on 127.0.0.1; configure its model with OPENCODE_CONFIG / OPENCODE_CONFIG_CONTENT.' });
  if (args.runtimeRoot) lines.push({ key: 'RUNTIME_ROOT', value: resolve(args.runtimeRoot), secret: false, comment: 'Project directory OpenCode sessions work in.' });
  lines.push({ key: 'TELEGRAM_BOT_TOKEN', value: args.telegramBotToken ?? '', secret: true, comment: 'Telegram bot token from @BotFather; enables the Telegram provider.' });
  lines.push({ key: 'RETENTION_SESSION_DAYS', value: '90', secret: false, comment: 'Retention windows in days.' });
  lines.push({ key: 'RETENTION_ARTIFACT_DAYS', value: '30', secret: false, comment: 'Artifacts.' });
  lines.push({ key: 'RETENTION_AUDIT_DAYS', value: '365', secret: false, comment: 'Audit events.' });
  lines.push({ key: 'RETENTION_JOB_DAYS', value: '30', secret: false, comment: 'Finished jobs and deliveries.' });
  return lines;
}
