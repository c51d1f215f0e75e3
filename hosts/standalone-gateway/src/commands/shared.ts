import { defineError, loadConfig, type LoadedConfig } from '@cowork-gateway/core';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX } from '../settings.js';

/**
 * Exit codes shared by every command: 0 done / every check passed, 1 a check failed or the
 * command could not finish (store unreachable, nothing found), 2 bad input (arguments, config).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** What a command prints and how the process exits. */
export interface CommandResult {
  exitCode: number;
  /** Written to stdout as is (commands add their own trailing newline). */
  stdout: string;
}

export const CliArgsInvalid = defineError<{ command: string; reason: string }>({
  code: 'cli.args_invalid',
  status: 400,
  message: ({ command, reason }) => `cli.args_invalid: ${command}: ${reason}`,
});

/** Loads the standalone config with CLI flags (by key suffix) on top; undefined flags are ignored. */
export function configFrom(overrides: Record<string, unknown>, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return loadConfig({ prefix: STANDALONE_PREFIX, specs: ALL_STANDALONE_SETTINGS, overrides: defined, env });
}

/** Replaces every configured secret value in `text`; a last guard before anything is printed. */
export function scrubSecrets(text: string, config: LoadedConfig | undefined): string {
  if (!config) return text;
  let out = text;
  for (const secret of config.secrets.list()) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/** A fixed-width text table; every cell is single-line. */
export function table(headers: string[], rows: string[][]): string {
  const clean = rows.map((row) => row.map((cell) => cell.replace(/\s+/g, ' ')));
  const widths = headers.map((h, i) => Math.max(h.length, ...clean.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...clean.map(line)].join('\n') + '\n';
}

/** The gateway's base URL from HOST and PORT (a wildcard bind is reached on loopback). */
export function gatewayUrl(config: LoadedConfig, explicit?: string): string {
  if (explicit) return explicit.replace(/\/+$/, '');
  const host = config.get<string>('HOST').trim();
  const reachable = host === '' || host === '0.0.0.0' || host === '*' ? '127.0.0.1' : host === '::' || host === '[::]' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${reachable}:${config.get<number>('PORT')}`;
}

/** GET with a deadline; resolves null when the server cannot be reached. */
export async function tryFetchJson(url: string, headers: Record<string, string>, timeoutMs = 3000): Promise<{ status: number; body: any } | null> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  } catch {
    return null;
  }
}

/** Admin token header when the token is set. */
export function adminHeaders(config: LoadedConfig): Record<string, string> {
  return config.isSet('ADMIN_TOKEN') ? { authorization: `Bearer ${config.get<string>('ADMIN_TOKEN')}` } : {};
}

/** Values that are examples, not secrets (same prefixes as the host's bind check). */
export const PLACEHOLDER = /^(change-?me|replace-?with|example|demo|placeholder|test|secret|password|<)/i;

/** A real admin token: 16 or more characters and not a placeholder. */
export function strongToken(token: string | undefined): boolean {
  return token !== undefined && token.length >= 16 && !PLACEHOLDER.test(token);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

export const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '*', '']);
