import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canPrompt, isGatewayError, silentLogger, type LoadedConfig, type Role } from '@cowork-gateway/core';
import { assertPrivateOpenCodeUrl, resolveOpenCodeBinary } from '@cowork-gateway/opencode-executor';
import { pgStoreSchemaStatus } from '@cowork-gateway/pg-store';
import { assembleStore } from '../preset.js';
import { executorSelection, providerSelections, storeSelection } from '../selections.js';
import { PG_STORE_PACKAGE } from '../settings.js';
import { adminHeaders, configFrom, EXIT, gatewayUrl, isLoopback, scrubSecrets, strongToken, table, tryFetchJson, WILDCARD_HOSTS, type CommandResult } from './shared.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';

export interface DoctorCheck {
  code: string;
  status: CheckStatus;
  message: string;
  remediation?: string;
  evidence?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  generatedAt: string;
  checks: DoctorCheck[];
}

export interface DoctorArgs {
  config?: string;
  store?: string;
  url?: string;
  json?: boolean;
  security?: boolean;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * `doctor`: checks what a working gateway needs and says what is missing. It reads the config,
 * the store (directly for postgres; through the running gateway for the memory store, whose
 * state lives in that process), OpenCode and the running gateway's `/ready`. Exit 1 when any
 * check fails. Prints booleans for TLS state, never paths, certificates or connection secrets.
 */
export async function runDoctor(args: DoctorArgs): Promise<CommandResult> {
  const { report, config } = await doctorReport(args);
  const text = args.json ? JSON.stringify(report, null, 2) + '\n' : renderReport(report);
  return { exitCode: report.ok ? EXIT.ok : EXIT.failed, stdout: scrubSecrets(text, config) };
}

export async function doctorReport(args: DoctorArgs): Promise<{ report: DoctorReport; config?: LoadedConfig }> {
  const checks: DoctorCheck[] = [];
  let config: LoadedConfig;
  try {
    config = configFrom({ CONFIG: args.config, STORE: args.store });
    checks.push({ code: 'config', status: 'pass', message: config.configFile ? 'config loaded (env and config file)' : 'config loaded from the environment' });
  } catch (error) {
    checks.push({ code: 'config', status: 'fail', message: (error as Error).message, remediation: 'fix the settings named above; `cowork-standalone-gateway validate` checks files' });
    return { report: finish(checks) };
  }
  const timeoutMs = args.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const gateway = await probeGateway(config, args.url, timeoutMs);
  checks.push(adminTokenCheck(config));
  checks.push(...(await storeChecks(config, gateway)));
  checks.push(tlsCheck(config));
  checks.push(await opencodeCheck(config, gateway, timeoutMs));
  checks.push(providersCheck(config, gateway));
  const identities = await identityCheck(config, gateway);
  checks.push(identities.check);
  checks.push(retentionCheck(config));
  checks.push(gatewayCheck(gateway));
  if (args.security) checks.push(...securityChecks(config, identities.roles));
  return { report: finish(checks), config };
}

function finish(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((c) => c.status !== 'fail'), generatedAt: new Date().toISOString(), checks };
}

function renderReport(report: DoctorReport): string {
  const rows = report.checks.map((c) => [c.status.toUpperCase(), c.code, c.message + (c.remediation && c.status !== 'pass' ? ` -> ${c.remediation}` : '')]);
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.code);
  return table(['STATUS', 'CHECK', 'DETAIL'], rows) + (report.ok ? '\ndoctor: ok\n' : `\ndoctor: ${failed.length} check(s) failed: ${failed.join(', ')}\n`);
}

// ---- the running gateway --------------------------------------------------------------------

interface GatewayProbe {
  url: string;
  reachable: boolean;
  ready?: any;
  readyStatus?: number;
  identities?: { provider: string; role: Role; status: string }[];
  identitiesError?: string;
}

async function probeGateway(config: LoadedConfig, explicit: string | undefined, timeoutMs: number): Promise<GatewayProbe> {
  const url = gatewayUrl(config, explicit);
  const ready = await tryFetchJson(`${url}/ready`, adminHeaders(config), timeoutMs);
  if (!ready) return { url, reachable: false };
  const probe: GatewayProbe = { url, reachable: true, ready: ready.body, readyStatus: ready.status };
  if (!config.isSet('ADMIN_TOKEN')) return { ...probe, identitiesError: `${config.envName('ADMIN_TOKEN')} is not set, so the admin API cannot be asked` };
  const identities = await tryFetchJson(`${url}/admin/identities`, adminHeaders(config), timeoutMs);
  if (identities?.status === 200 && Array.isArray(identities.body?.identities)) return { ...probe, identities: identities.body.identities };
  return { ...probe, identitiesError: `the admin API answered ${identities ? `HTTP ${identities.status}` : 'nothing'}` };
}

function gatewayCheck(gateway: GatewayProbe): DoctorCheck {
  if (!gateway.reachable) return { code: 'gateway.ready', status: 'skipped', message: `no gateway answers at ${gateway.url}`, remediation: 'start it with `cowork-standalone-gateway start`, or pass --url' };
  const status = gateway.ready?.status ?? 'unknown';
  if (gateway.readyStatus === 200) return { code: 'gateway.ready', status: 'pass', message: `${gateway.url}/ready: ${status}` };
  const reasons = Object.entries(gateway.ready?.components ?? {})
    .flatMap(([name, c]: [string, any]) => (name === 'providers' ? Object.entries(c ?? {}).map(([id, p]: [string, any]) => [`provider ${id}`, p]) : [[name, c]]))
    .filter(([, c]) => c && c.state && c.state !== 'ok')
    .map(([name, c]) => `${name}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`);
  return { code: 'gateway.ready', status: 'fail', message: `${gateway.url}/ready answers ${gateway.readyStatus} ${status}${reasons.length ? `: ${reasons.join('; ')}` : ''}` };
}

// ---- checks ---------------------------------------------------------------------------------

function adminTokenCheck(config: LoadedConfig): DoctorCheck {
  const key = config.envName('ADMIN_TOKEN');
  if (!config.isSet('ADMIN_TOKEN')) return { code: 'admin_token', status: 'fail', message: `${key} is not set; /metrics, /dashboard and /admin cannot be used`, remediation: `set ${key} (cowork-standalone-gateway setup --generate-admin-token)` };
  if (!strongToken(config.get<string>('ADMIN_TOKEN'))) return { code: 'admin_token', status: 'fail', message: `${key} is shorter than 16 characters or a placeholder`, remediation: 'use a random value of 16+ characters' };
  return { code: 'admin_token', status: 'pass', message: `${key} is set` };
}

async function storeChecks(config: LoadedConfig, gateway: GatewayProbe): Promise<DoctorCheck[]> {
  let selection;
  try {
    selection = storeSelection(config);
  } catch (error) {
    return [{ code: 'store.reachable', status: 'fail', message: (error as Error).message }];
  }
  if (selection.use !== PG_STORE_PACKAGE) {
    // The memory store lives inside the running gateway; only it can answer.
    if (!gateway.reachable) return [{ code: 'store.reachable', status: 'fail', message: `the ${selection.use} store keeps its state inside the running gateway, and none answers at ${gateway.url}`, remediation: 'start the gateway, or pass --url' }];
    const state = gateway.ready?.components?.store?.state;
    return [{ code: 'store.reachable', status: state === 'ok' ? 'pass' : 'fail', message: `${selection.use} in the running gateway: ${state ?? 'unknown'}`, evidence: { durable: false } }];
  }
  try {
    const status = await pgStoreSchemaStatus(selection.options as never);
    const migrations: DoctorCheck = status.pending.length === 0
      ? { code: 'store.migrations', status: 'pass', message: `schema at version ${status.current} (latest ${status.latest})` }
      : { code: 'store.migrations', status: 'fail', message: `${status.pending.length} migration(s) pending: ${status.pending.join(', ')}`, remediation: 'run `cowork-standalone-gateway migrate` (the gateway also applies them at start with DATABASE_MIGRATE=auto)' };
    return [{ code: 'store.reachable', status: 'pass', message: 'PostgreSQL answers' }, migrations];
  } catch (error) {
    const message = isGatewayError(error) ? error.message : `PostgreSQL did not answer: ${(error as Error).message}`;
    return [{ code: 'store.reachable', status: 'fail', message, remediation: `check ${config.envName('DATABASE_URL')} and that PostgreSQL runs` }, { code: 'store.migrations', status: 'skipped', message: 'the store is not reachable' }];
  }
}

function tlsCheck(config: LoadedConfig): DoctorCheck {
  const evidence = {
    deploymentMode: config.get<string>('DEPLOYMENT_MODE'),
    enabled: config.get<boolean>('DATABASE_SSL'),
    rejectUnauthorized: config.get<boolean>('DATABASE_SSL_REJECT_UNAUTHORIZED'),
    caConfigured: config.isSet('DATABASE_SSL_CA_PATH'),
    certConfigured: config.isSet('DATABASE_SSL_CERT_PATH'),
    keyConfigured: config.isSet('DATABASE_SSL_KEY_PATH'),
  };
  let postgres = true;
  try {
    postgres = storeSelection(config).use === PG_STORE_PACKAGE;
  } catch {
    // reported by store.reachable
  }
  if (!postgres) return { code: 'store.tls', status: 'skipped', message: 'not a PostgreSQL store', evidence };
  const booleans = Object.entries(evidence).filter(([k]) => k !== 'deploymentMode').map(([k, v]) => `${k}=${v}`).join(' ');
  if (evidence.deploymentMode !== 'solo' && !(evidence.enabled && evidence.rejectUnauthorized)) {
    return { code: 'store.tls', status: 'fail', message: `${evidence.deploymentMode} deployments need verified TLS: ${booleans}`, remediation: `set ${config.envName('DATABASE_SSL')}=true and ${config.envName('DATABASE_SSL_REJECT_UNAUTHORIZED')}=true`, evidence };
  }
  return { code: 'store.tls', status: 'pass', message: `${evidence.deploymentMode}: ${booleans}`, evidence };
}

async function opencodeCheck(config: LoadedConfig, gateway: GatewayProbe, timeoutMs: number): Promise<DoctorCheck> {
  let selection;
  try {
    selection = executorSelection(config);
  } catch (error) {
    return { code: 'opencode.model', status: 'fail', message: (error as Error).message };
  }
  if (!selection) {
    return { code: 'opencode.model', status: 'fail', message: 'no executor: OPENCODE_URL is unset and OPENCODE_MANAGED=false, so every prompt is refused', remediation: `set ${config.envName('OPENCODE_URL')} to a private OpenCode, or ${config.envName('OPENCODE_MANAGED')}=true` };
  }
  const options = selection.options as Record<string, any>;
  const running = gateway.ready?.components?.executor;
  const runningNote = running ? `; executor in the running gateway: ${running.state}${running.reason ? ` (${running.reason})` : ''}` : '';
  if (typeof options.url === 'string') return externalOpenCode(config, options, timeoutMs, runningNote);
  return managedOpenCode(options, runningNote, running?.state);
}

/** An external OpenCode: private URL, health, and a default model its providers list. */
async function externalOpenCode(config: LoadedConfig, options: Record<string, any>, timeoutMs: number, runningNote: string): Promise<DoctorCheck> {
  let base: string;
  try {
    base = await assertPrivateOpenCodeUrl(options.url, { allowPrivateDns: config.get<boolean>('ALLOW_PRIVATE_DNS') });
  } catch (error) {
    return { code: 'opencode.model', status: 'fail', message: (error as Error).message, remediation: 'OpenCode must stay on loopback or a private network' };
  }
  const headers: Record<string, string> = options.password ? { authorization: `Basic ${Buffer.from(`${options.username ?? 'opencode'}:${options.password}`).toString('base64')}` } : {};
  const health = await tryFetchJson(`${base}/global/health`, headers, timeoutMs);
  if (!health || health.status !== 200 || health.body?.healthy !== true) {
    return { code: 'opencode.model', status: 'fail', message: `OpenCode at ${base} is not healthy (${health ? `HTTP ${health.status}` : 'no answer'})`, remediation: 'start `opencode serve` there, and check OPENCODE_SERVER_PASSWORD' };
  }
  const providers = await tryFetchJson(`${base}/config/providers`, headers, timeoutMs);
  const model = answeringModel(providers?.body);
  if (!model) {
    return { code: 'opencode.model', status: 'fail', message: `OpenCode at ${base} is healthy but has no configured model whose provider is available${providers ? '' : ' (GET /config/providers did not answer)'}`, remediation: 'set "model" in OpenCode\'s config and the provider\'s credentials' };
  }
  return { code: 'opencode.model', status: 'pass', message: `OpenCode at ${base} (version ${health.body?.version ?? 'unknown'}) answers with model ${model}${runningNote}`, evidence: { managed: false, model } };
}

/** `{providers:[{id, models:{…}}], default:{providerID: modelID}}` → "provider/model" when that model exists. */
function answeringModel(body: any): string | null {
  if (!body || !Array.isArray(body.providers) || typeof body.default !== 'object' || body.default === null) return null;
  for (const [providerId, modelId] of Object.entries(body.default)) {
    const provider = body.providers.find((p: any) => p?.id === providerId);
    if (provider && provider.models && typeof modelId === 'string' && modelId in provider.models) return `${providerId}/${modelId}`;
  }
  return null;
}

/**
 * A managed OpenCode gets the operator's config from OPENCODE_CONFIG_CONTENT, OPENCODE_CONFIG
 * or its data directory; without a "model" there, it starts but cannot answer a prompt.
 */
function managedOpenCode(options: Record<string, any>, runningNote: string, runningState: string | undefined): DoctorCheck {
  try {
    resolveOpenCodeBinary(options.managed?.command);
  } catch (error) {
    return { code: 'opencode.model', status: 'fail', message: `managed OpenCode cannot start: ${(error as Error).message}`, remediation: 'install the opencode-ai package, or set OPENCODE_URL' };
  }
  const model = managedModel(options.managed?.dataDir);
  if (!model) {
    return {
      code: 'opencode.model',
      status: 'fail',
      message: `managed OpenCode has no configured model (no "model" in OPENCODE_CONFIG_CONTENT, OPENCODE_CONFIG or its data directory's opencode.json); every prompt would fail${runningNote}`,
      remediation: 'set OPENCODE_CONFIG_CONTENT=\'{"model":"provider/model", …}\' (or OPENCODE_CONFIG=<file>) plus the provider\'s API key, then restart',
      evidence: { managed: true, modelConfigured: false },
    };
  }
  if (runningState && runningState !== 'ok') {
    return { code: 'opencode.model', status: 'fail', message: `managed OpenCode is configured with model ${model.model}${runningNote}`, evidence: { managed: true, model: model.model } };
  }
  return { code: 'opencode.model', status: 'pass', message: `managed OpenCode configured with model ${model.model} (from ${model.source})${runningNote}`, evidence: { managed: true, model: model.model } };
}

function managedModel(dataDir: string | undefined): { model: string; source: string } | null {
  const fromJson = (text: string | undefined, source: string): { model: string; source: string } | null => {
    if (!text) return null;
    try {
      const parsed = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as { model?: unknown };
      return typeof parsed.model === 'string' && parsed.model.includes('/') ? { model: parsed.model, source } : null;
    } catch {
      return null;
    }
  };
  const read = (path: string | undefined): string | undefined => (path && existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const candidates: [string | undefined, string][] = [[process.env.OPENCODE_CONFIG_CONTENT, 'OPENCODE_CONFIG_CONTENT'], [read(process.env.OPENCODE_CONFIG), 'OPENCODE_CONFIG']];
  if (dataDir) for (const name of ['opencode.json', 'opencode.jsonc', 'config.json']) candidates.push([read(join(dataDir, 'config', 'opencode', name)), `data directory ${name}`]);
  for (const [text, source] of candidates) {
    const found = fromJson(text, source);
    if (found) return found;
  }
  return null;
}

function providersCheck(config: LoadedConfig, gateway: GatewayProbe): DoctorCheck {
  let ids: string[];
  try {
    ids = providerSelections(config).map((p) => p.id);
  } catch (error) {
    return { code: 'providers', status: 'fail', message: (error as Error).message };
  }
  if (ids.length === 0) {
    return { code: 'providers', status: 'fail', message: 'no provider is configured; nobody can send a prompt', remediation: `set ${config.envName('TELEGRAM_BOT_TOKEN')}, or add a provider under "providers" in the config file` };
  }
  const live = gateway.ready?.components?.providers as Record<string, { state: string; reason?: string }> | undefined;
  if (!live) return { code: 'providers', status: 'pass', message: `configured: ${ids.join(', ')} (health not checked: no running gateway)` };
  const unhealthy = ids.filter((id) => live[id]?.state !== 'ok');
  if (unhealthy.length > 0) {
    return { code: 'providers', status: 'fail', message: `unhealthy: ${unhealthy.map((id) => `${id} ${live[id]?.state ?? 'not running'}${live[id]?.reason ? ` (${live[id]!.reason})` : ''}`).join('; ')}` };
  }
  return { code: 'providers', status: 'pass', message: `configured and healthy: ${ids.join(', ')}` };
}

async function identityCheck(config: LoadedConfig, gateway: GatewayProbe): Promise<{ check: DoctorCheck; roles: Role[] | null }> {
  let providers: string[];
  try {
    providers = providerSelections(config).map((p) => p.id);
  } catch {
    providers = [];
  }
  const fromConfig = config.identities.filter((i) => providers.includes(i.provider) && (i.status ?? 'active') === 'active').map((i) => i.role as Role);
  let stored: Role[];
  try {
    const rows = await storedIdentities(config, gateway);
    stored = rows.filter((i) => providers.includes(i.provider) && i.status === 'active').map((i) => i.role);
  } catch (error) {
    return { check: { code: 'identities', status: 'fail', message: `could not read identities: ${(error as Error).message}`, remediation: 'fix the store check above first' }, roles: null };
  }
  const roles = [...stored, ...fromConfig];
  const capable = roles.filter((role) => canPrompt(role)).length;
  if (capable === 0) {
    return {
      check: {
        code: 'identities',
        status: 'fail',
        message: 'no active owner, admin or member identity on a configured provider; every prompt is denied',
        remediation: 'cowork-standalone-gateway identity upsert --provider <id> --external-user-id <id> --role admin',
      },
      roles,
    };
  }
  return { check: { code: 'identities', status: 'pass', message: `${capable} active prompt-capable identit${capable === 1 ? 'y' : 'ies'}` }, roles };
}

async function storedIdentities(config: LoadedConfig, gateway: GatewayProbe): Promise<{ provider: string; role: Role; status: string }[]> {
  if (storeSelection(config).use !== PG_STORE_PACKAGE) {
    if (gateway.identities) return gateway.identities;
    throw new Error(gateway.reachable ? gateway.identitiesError! : `the memory store lives in the running gateway and none answers at ${gateway.url}`);
  }
  const store = await assembleStore(configFrom({ CONFIG: config.configFile, STORE: config.get('STORE'), DATABASE_MIGRATE: 'verify' }), silentLogger);
  await store.start();
  try {
    const lists = store.operator?.lists;
    if (!lists) throw new Error('the store has no "lists" operator part');
    return await lists.identities.list({});
  } finally {
    await store.close();
  }
}

function retentionCheck(config: LoadedConfig): DoctorCheck {
  const evidence = {
    sessionDays: config.get<number>('RETENTION_SESSION_DAYS'),
    artifactDays: config.get<number>('RETENTION_ARTIFACT_DAYS'),
    auditDays: config.get<number>('RETENTION_AUDIT_DAYS'),
    jobDays: config.get<number>('RETENTION_JOB_DAYS'),
    intervalSeconds: config.get<number>('RETENTION_INTERVAL_SECONDS'),
    leaseGated: true,
  };
  const windows = [evidence.sessionDays, evidence.artifactDays, evidence.auditDays, evidence.jobDays];
  if (windows.some((d) => !(d > 0))) return { code: 'retention', status: 'fail', message: 'every retention window must be at least one day', evidence };
  return { code: 'retention', status: 'pass', message: `sessions ${evidence.sessionDays} d, artifacts ${evidence.artifactDays} d, audit ${evidence.auditDays} d, jobs ${evidence.jobDays} d; pruned under the daemon lease`, evidence };
}

// ---- --security -----------------------------------------------------------------------------

const SIGNING_KEY = /secret|signing|hmac/i;

function securityChecks(config: LoadedConfig, roles: Role[] | null): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const host = config.get<string>('HOST').trim();
  const token = config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : undefined;
  if (!isLoopback(host) && !strongToken(token)) {
    checks.push({ code: 'security.bind', status: 'fail', message: `listens on ${host || '(wildcard)'} without a real admin token`, remediation: `bind 127.0.0.1, or set ${config.envName('ADMIN_TOKEN')} to a random 16+ character value` });
  } else if (WILDCARD_HOSTS.has(host)) {
    checks.push({ code: 'security.bind', status: 'warn', message: `listens on every interface (${host || 'empty'}); prefer 127.0.0.1 behind a TLS reverse proxy` });
  } else {
    checks.push({ code: 'security.bind', status: 'pass', message: `listens on ${host}` });
  }
  if (config.isSet('PUBLIC_URL') && !config.get<string>('PUBLIC_URL').startsWith('https://')) {
    checks.push({ code: 'security.public_url', status: 'fail', message: `${config.envName('PUBLIC_URL')} is not https`, remediation: 'terminate TLS at the reverse proxy and use its https:// URL' });
  }
  let selections: ReturnType<typeof providerSelections> = [];
  try {
    selections = providerSelections(config);
  } catch {
    // reported by the providers check
  }
  for (const selection of selections) {
    const options = selection.options as Record<string, unknown>;
    if (options.mode === 'polling') continue;
    const signed = Object.entries(options).some(([key, value]) => SIGNING_KEY.test(key) && typeof value === 'string' && value.length > 0);
    checks.push(signed
      ? { code: 'security.provider_signing', status: 'pass', message: `provider ${selection.id}: inbound requests are signed` }
      : { code: 'security.provider_signing', status: 'fail', message: `provider ${selection.id} accepts inbound webhooks without a signing secret`, remediation: 'configure its shared/webhook secret so forged requests are refused' });
  }
  if (roles !== null) {
    const approvers = roles.filter((r) => r === 'owner' || r === 'admin' || r === 'approver').length;
    checks.push(approvers > 0
      ? { code: 'security.approvers', status: 'pass', message: `${approvers} identit${approvers === 1 ? 'y' : 'ies'} can approve tool permissions` }
      : { code: 'security.approvers', status: 'fail', message: 'approvals are on, but no active owner, admin or approver identity can answer them; permission requests will time out', remediation: 'add an owner, admin or approver identity' });
  }
  return checks;
}
