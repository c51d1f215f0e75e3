import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isGatewayError } from '@cowork-gateway/core';
import { executorSelection, providerSelections, storeSelection } from '../selections.js';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX } from '../settings.js';
import { configFrom, EXIT, PLACEHOLDER, WILDCARD_HOSTS, type CommandResult } from './shared.js';

export interface Finding {
  file: string;
  line?: number;
  level: 'error' | 'warning';
  code: string;
  message: string;
}

export interface ValidateArgs {
  config?: string;
  json?: boolean;
}

type Kind = 'topology' | 'env' | 'unit' | 'config';

/**
 * `validate [files…]`: static checks, nothing is started. Without files it checks the current
 * configuration (env + --config). Files are recognized by name and content: a topology profile
 * (`topology-profiles.json`, or JSON with `schemaVersion` and `profiles`), an env file (`*.env`,
 * `.env*`, `*.env.example`), a systemd unit (`*.service`), else a gateway config file (JSON/JSONC).
 * Exit 1 when any error is found.
 */
export async function runValidate(files: string[], args: ValidateArgs): Promise<CommandResult> {
  const findings: Finding[] = [];
  let checked: string[] = [];
  if (files.length === 0) {
    findings.push(...validateCurrentConfig(args.config));
    checked = ['current configuration'];
  }
  for (const raw of files) {
    const file = resolve(raw);
    checked.push(file);
    if (!existsSync(file)) {
      findings.push({ file, level: 'error', code: 'validate.file_missing', message: 'no such file' });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    const kind = kindOf(file, text);
    if (kind === 'topology') findings.push(...validateTopology(file, text));
    else if (kind === 'env') findings.push(...validateEnvFile(file, text));
    else if (kind === 'unit') findings.push(...validateUnit(file, text));
    else findings.push(...validateConfigFile(file));
  }
  const errors = findings.filter((f) => f.level === 'error').length;
  const out = args.json
    ? JSON.stringify({ ok: errors === 0, checked, findings }, null, 2) + '\n'
    : findings.map((f) => `${f.file}${f.line ? `:${f.line}` : ''}: ${f.level} ${f.code}: ${f.message}`).join('\n') + (findings.length ? '\n' : '') +
      `validate: ${checked.length} checked, ${errors} error(s), ${findings.length - errors} warning(s)\n`;
  return { exitCode: errors === 0 ? EXIT.ok : EXIT.failed, stdout: out };
}

function kindOf(file: string, text: string): Kind {
  const name = basename(file);
  if (name.endsWith('.service')) return 'unit';
  if (name.endsWith('.env') || name.startsWith('.env') || name.includes('.env.') || name.endsWith('.env.example')) return 'env';
  if (name.includes('topology-profiles')) return 'topology';
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && 'schemaVersion' in parsed && 'profiles' in parsed) return 'topology';
  } catch {
    // JSONC or invalid: the config loader says which
  }
  return 'config';
}

function fromError(file: string, error: unknown): Finding[] {
  const message = (error as Error).message;
  const code = isGatewayError(error) ? error.code : 'validate.invalid';
  return message.split('\n').map((line) => ({ file, level: 'error' as const, code, message: line.replace(/^[a-z_]+\.[a-z_]+: /, '') }));
}

/** Loads the config and resolves the store, executor and provider selections, as `start` would. */
function validateCurrentConfig(configPath: string | undefined): Finding[] {
  const file = configPath ? resolve(configPath) : 'environment';
  try {
    const config = configFrom({ CONFIG: configPath });
    storeSelection(config);
    executorSelection(config);
    providerSelections(config);
    return config.unknownKeys.map((key) => ({ file, level: 'warning' as const, code: 'validate.unknown_setting', message: `${key} is not a setting of this gateway (typo?)` }));
  } catch (error) {
    return fromError(file, error);
  }
}

/** A gateway config file: loaded alone (no env), so only the file's own content is judged. */
function validateConfigFile(file: string): Finding[] {
  try {
    const config = configFrom({ CONFIG: file }, {});
    storeSelection(config);
    executorSelection(config);
    providerSelections(config);
    return [];
  } catch (error) {
    return fromError(file, error);
  }
}

/** KEY=VALUE lines (optional `export `, quotes, comments); keys must be settings of this gateway. */
function validateEnvFile(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const env: Record<string, string> = {};
  const lineOf: Record<string, number> = {};
  const example = /example|sample|template/i.test(basename(file));
  const known = new Map<string, { secret?: boolean }>();
  for (const spec of ALL_STANDALONE_SETTINGS) {
    known.set(STANDALONE_PREFIX + spec.key, spec);
    for (const alias of spec.envAliases ?? []) known.set(alias, spec);
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const lineNo = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) {
      findings.push({ file, line: lineNo, level: 'error', code: 'validate.env_syntax', message: 'not a KEY=VALUE line' });
      return;
    }
    const key = match[1]!;
    let value = match[2]!.trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (key in env) findings.push({ file, line: lineNo, level: 'error', code: 'validate.env_duplicate', message: `${key} is set twice (first on line ${lineOf[key]})` });
    env[key] = value;
    lineOf[key] = lineNo;
    if (key.startsWith(STANDALONE_PREFIX) && !known.has(key)) {
      findings.push({ file, line: lineNo, level: 'error', code: 'validate.unknown_setting', message: `${key} is not a setting of this gateway` });
    }
    const spec = known.get(key);
    if (spec?.secret && value !== '') {
      if (example && !PLACEHOLDER.test(value)) findings.push({ file, line: lineNo, level: 'error', code: 'validate.real_secret_in_example', message: `${key} holds what looks like a real secret; an example file must use a placeholder such as <set ${key}>` });
    }
  });
  const host = env[`${STANDALONE_PREFIX}HOST`];
  if (host !== undefined && WILDCARD_HOSTS.has(host.trim())) {
    findings.push({ file, line: lineOf[`${STANDALONE_PREFIX}HOST`], level: example ? 'error' : 'warning', code: 'validate.wildcard_bind', message: `${STANDALONE_PREFIX}HOST=${host} binds every interface; use 127.0.0.1 behind a reverse proxy` });
  }
  // Values are parsed the way the gateway parses them; placeholders are not judged.
  const real = Object.fromEntries(Object.entries(env).filter(([key, value]) => !(known.get(key)?.secret && (value === '' || PLACEHOLDER.test(value))) && !/^<.*>$/.test(value)));
  try {
    const config = configFrom({}, real);
    for (const f of fromEnvSelections(file, config)) findings.push(f);
  } catch (error) {
    for (const f of fromError(file, error)) findings.push({ ...f, line: lineFromMessage(f.message, lineOf) });
  }
  return findings;
}

function fromEnvSelections(file: string, config: ReturnType<typeof configFrom>): Finding[] {
  try {
    // A missing DATABASE_URL in an example is expected; only a given one is checked.
    if (config.get<string>('STORE') !== 'postgres' || config.isSet('DATABASE_URL')) storeSelection(config);
    executorSelection(config);
    providerSelections(config);
    return [];
  } catch (error) {
    return fromError(file, error);
  }
}

function lineFromMessage(message: string, lineOf: Record<string, number>): number | undefined {
  const key = Object.keys(lineOf).find((k) => message.includes(k));
  return key ? lineOf[key] : undefined;
}

/** A systemd unit for the gateway: the sections, an absolute ExecStart, a non-root user, secrets via EnvironmentFile. */
function validateUnit(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const sections = new Map<string, Map<string, { value: string; line: number }[]>>();
  let current: Map<string, { value: string; line: number }[]> | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const lineNo = index + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/.exec(line);
    if (!entry || !current) {
      findings.push({ file, line: lineNo, level: 'error', code: 'validate.unit_syntax', message: current ? 'not a Key=Value line' : 'an entry before any [Section]' });
      return;
    }
    const list = current.get(entry[1]!) ?? [];
    list.push({ value: entry[2]!, line: lineNo });
    current.set(entry[1]!, list);
  });
  for (const name of ['Unit', 'Service', 'Install']) {
    if (!sections.has(name)) findings.push({ file, level: 'error', code: 'validate.unit_section_missing', message: `no [${name}] section` });
  }
  const service = sections.get('Service');
  if (service) {
    const exec = service.get('ExecStart')?.[0];
    if (!exec) findings.push({ file, level: 'error', code: 'validate.unit_exec_missing', message: '[Service] has no ExecStart' });
    else {
      const program = exec.value.replace(/^[-@:+!]+/, '').split(/\s+/)[0] ?? '';
      if (!program.startsWith('/')) findings.push({ file, line: exec.line, level: 'error', code: 'validate.unit_exec_relative', message: `ExecStart must start with an absolute path, got "${program}"` });
      if (!/cowork-standalone-gateway|bin\.js/.test(exec.value) || !/\bstart\b/.test(exec.value)) findings.push({ file, line: exec.line, level: 'warning', code: 'validate.unit_exec_command', message: 'ExecStart does not look like `cowork-standalone-gateway start`' });
    }
    const user = service.get('User')?.[0];
    if (!user) findings.push({ file, level: 'error', code: 'validate.unit_user_missing', message: '[Service] has no User=; the gateway must not run as root' });
    else if (user.value.trim() === 'root' || user.value.trim() === '0') findings.push({ file, line: user.line, level: 'error', code: 'validate.unit_runs_as_root', message: 'User=root; run the gateway as an unprivileged user' });
    if (!service.has('EnvironmentFile')) findings.push({ file, level: 'warning', code: 'validate.unit_no_env_file', message: 'no EnvironmentFile=; keep secrets in a 0600 env file written by `setup --output`' });
    for (const env of service.get('Environment') ?? []) {
      if (/(TOKEN|SECRET|PASSWORD|DATABASE_URL)=/i.test(env.value)) findings.push({ file, line: env.line, level: 'error', code: 'validate.unit_inline_secret', message: 'a secret is set inline with Environment=; unit files are world-readable, use EnvironmentFile=' });
    }
    for (const [key, expected] of [['NoNewPrivileges', 'true'], ['ProtectSystem', 'strict'], ['PrivateTmp', 'true']] as const) {
      if (service.get(key)?.[0]?.value.trim() !== expected) findings.push({ file, level: 'warning', code: 'validate.unit_hardening', message: `recommended: ${key}=${expected}` });
    }
    const restart = service.get('Restart')?.[0];
    if (!restart || restart.value.trim() === 'no') findings.push({ file, level: 'warning', code: 'validate.unit_restart', message: 'recommended: Restart=on-failure' });
  }
  return findings;
}

const PROFILE_FIELDS = ['id', 'label', 'status', 'intendedOperators', 'surfaces', 'executionAuthorities', 'controlPlanes', 'referenceAssets', 'soloPath', 'productionPath', 'securityBoundary', 'requiredDurability', 'failClosedChecks', 'validationCommands', 'smokeCommands', 'notes'] as const;
const ARRAY_FIELDS = new Set(['intendedOperators', 'surfaces', 'executionAuthorities', 'controlPlanes', 'referenceAssets', 'requiredDurability', 'failClosedChecks', 'validationCommands', 'smokeCommands', 'notes']);

/** `deploy/topologies/topology-profiles.json` (schemaVersion 1): every profile complete, ids unique, gateway-only present and consistent. */
function validateTopology(file: string, text: string): Finding[] {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return [{ file, level: 'error', code: 'validate.json_syntax', message: (error as Error).message }];
  }
  const findings: Finding[] = [];
  const err = (code: string, message: string): void => void findings.push({ file, level: 'error', code, message });
  if (doc?.schemaVersion !== 1) err('validate.topology_version', `schemaVersion must be 1, got ${JSON.stringify(doc?.schemaVersion)}`);
  if (!Array.isArray(doc?.profiles) || doc.profiles.length === 0) {
    err('validate.topology_profiles', '"profiles" must be a non-empty array');
    return findings;
  }
  const seen = new Set<string>();
  doc.profiles.forEach((profile: any, index: number) => {
    const at = `profiles[${index}]${typeof profile?.id === 'string' ? ` (${profile.id})` : ''}`;
    if (typeof profile !== 'object' || profile === null) return err('validate.topology_profile', `${at} must be an object`);
    for (const field of PROFILE_FIELDS) {
      if (!(field in profile)) err('validate.topology_field_missing', `${at} has no "${field}"`);
      else if (ARRAY_FIELDS.has(field) && !Array.isArray(profile[field])) err('validate.topology_field_type', `${at}.${field} must be an array`);
      else if (!ARRAY_FIELDS.has(field) && (typeof profile[field] !== 'string' || profile[field] === '')) err('validate.topology_field_type', `${at}.${field} must be a non-empty string`);
    }
    if (typeof profile.id === 'string') {
      if (seen.has(profile.id)) err('validate.topology_duplicate', `${at}: id "${profile.id}" appears twice`);
      seen.add(profile.id);
    }
  });
  const gateway = doc.profiles.find((p: any) => p?.id === 'gateway-only');
  if (!gateway) err('validate.topology_gateway_only', 'no "gateway-only" profile (the Standalone Gateway deployment path)');
  else {
    if (Array.isArray(gateway.executionAuthorities) && !gateway.executionAuthorities.includes('gateway_standalone')) err('validate.topology_gateway_only', 'gateway-only.executionAuthorities must include "gateway_standalone"');
    if (Array.isArray(gateway.controlPlanes) && !gateway.controlPlanes.includes('gateway_postgres')) err('validate.topology_gateway_only', 'gateway-only.controlPlanes must include "gateway_postgres"');
  }
  return findings;
}
