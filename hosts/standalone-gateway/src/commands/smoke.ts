import { createHmac, randomBytes } from 'node:crypto';
import { defineError, type LoadedConfig } from '@cowork-gateway/core';
import { providerSelections } from '../selections.js';
import { adminHeaders, CliArgsInvalid, configFrom, EXIT, gatewayUrl, isLoopback, scrubSecrets, table, tryFetchJson, type CommandResult } from './shared.js';

export interface SmokeArgs {
  provider?: string;
  url?: string;
  text?: string;
  timeoutMs?: string;
  json?: boolean;
  config?: string;
  store?: string;
}

export const SmokeProviderUnsupported = defineError<{ provider: string; kind: string }>({
  code: 'smoke.provider_unsupported',
  status: 400,
  message: ({ provider, kind }) =>
    `smoke.provider_unsupported: provider "${provider}" is of kind "${kind}", which smoke cannot drive; smoke sends prompts through a loopback webhook provider of kind "fake" (its signed JSON webhook)`,
});

interface Step {
  step: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number | null;
  detail: string;
}

/** One inbound payload a provider kind understands, and its headers. */
type Driver = (input: { eventId: string; chatId: string; userId: string; text: string; options: Record<string, unknown> }) => { body: string; headers: Record<string, string> };

const DRIVERS: Record<string, Driver> = {
  fake: ({ eventId, chatId, userId, text, options }) => {
    const body = JSON.stringify({ id: eventId, chatId, userId, text });
    const secret = typeof options.sharedSecret === 'string' ? options.sharedSecret : undefined;
    const headers: Record<string, string> = {};
    if (secret) headers['x-fake-signature'] = createHmac('sha256', secret).update(body).digest('hex');
    return { body, headers };
  },
};

/**
 * `smoke`: drives one real prompt through the running gateway on loopback — a temporary
 * identity (admin API), a signed webhook to the provider, then the gateway's own trace of the
 * message: claim, job, executor events, reply delivery — and reports each step's latency. The
 * temporary identity is disabled afterwards (the store keeps rows; identities are never
 * deleted). Exit 0 when the reply was delivered.
 */
export async function runSmoke(args: SmokeArgs): Promise<CommandResult> {
  const config = configFrom({ CONFIG: args.config, STORE: args.store });
  const base = gatewayUrl(config, args.url);
  const host = new URL(base).hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(host)) throw new CliArgsInvalid({ command: 'smoke', reason: `smoke only talks to a gateway on loopback, not ${host}` });
  if (!config.isSet('ADMIN_TOKEN')) throw new CliArgsInvalid({ command: 'smoke', reason: `set ${config.envName('ADMIN_TOKEN')}: smoke adds a temporary identity and reads the trace through the admin API` });
  const timeoutMs = args.timeoutMs === undefined ? 60_000 : Number(args.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000) throw new CliArgsInvalid({ command: 'smoke', reason: '--timeout-ms must be an integer of at least 1000' });
  const ready = await tryFetchJson(`${base}/ready`, adminHeaders(config));
  if (!ready) throw new CliArgsInvalid({ command: 'smoke', reason: `no gateway answers at ${base}; start it or pass --url` });
  const { id, kind, options } = pickProvider(config, args.provider, ready.body?.components?.providers ?? {});
  const driver = DRIVERS[kind];
  if (!driver) throw new SmokeProviderUnsupported({ provider: id, kind });

  const nonce = randomBytes(6).toString('hex');
  const userId = `smoke-${nonce}`;
  const eventId = `smoke-${nonce}`;
  const steps: Step[] = [];
  const started = Date.now();
  const identity = await timed(() => admin(config, base, 'POST', '/admin/identities', { provider: id, externalUserId: userId, role: 'member' }));
  const identityAdded = identity.value.status === 200;
  steps.push({ step: 'identity', status: identityAdded ? 'ok' : 'failed', ms: identity.ms, detail: identityAdded ? `temporary member ${userId} on ${id}` : `admin API answered HTTP ${identity.value.status}` });
  if (!identityAdded) return finish(steps, args.json, config);
  try {
    const payload = driver({ eventId, chatId: `smoke-chat-${nonce}`, userId, text: args.text ?? 'Smoke test: reply with one short sentence.', options });
    const sent = await timed(() => fetch(`${base}/webhooks/${encodeURIComponent(id)}`, { method: 'POST', headers: { 'content-type': 'application/json', ...payload.headers }, body: payload.body, signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0));
    const accepted = sent.value >= 200 && sent.value < 300;
    steps.push({ step: 'webhook', status: accepted ? 'ok' : 'failed', ms: sent.ms, detail: `POST /webhooks/${id} answered ${sent.value || 'nothing'}` });
    if (accepted) steps.push(...(await follow(config, base, id, eventId, Date.now(), started + timeoutMs)));
  } finally {
    const disabled = await admin(config, base, 'POST', '/admin/identities/disable', { provider: id, externalUserId: userId });
    steps.push({ step: 'cleanup', status: disabled.status === 200 ? 'ok' : 'failed', ms: null, detail: disabled.status === 200 ? `disabled ${userId}` : `could not disable ${userId} (HTTP ${disabled.status})` });
  }
  return finish(steps, args.json, config);
}

function pickProvider(config: LoadedConfig, wanted: string | undefined, running: Record<string, { kind?: string }>): { id: string; kind: string; options: Record<string, unknown> } {
  const selections = providerSelections(config);
  const candidates = selections.filter((s) => (wanted ? s.id === wanted : running[s.id]?.kind !== undefined && DRIVERS[running[s.id]!.kind!] !== undefined));
  const chosen = candidates[0] ?? (wanted ? undefined : selections[0]);
  if (!chosen) throw new CliArgsInvalid({ command: 'smoke', reason: wanted ? `no provider "${wanted}" is configured` : 'no provider is configured' });
  const kind = running[chosen.id]?.kind;
  if (!kind) throw new CliArgsInvalid({ command: 'smoke', reason: `provider "${chosen.id}" is not running in the gateway` });
  return { id: chosen.id, kind, options: chosen.options as Record<string, unknown> };
}

/** Polls the gateway's trace of the message until the reply is delivered, dead, or time runs out. */
async function follow(config: LoadedConfig, base: string, instance: string, eventId: string, from: number, deadline: number): Promise<Step[]> {
  const seen: Record<string, number> = {};
  const mark = (step: string): void => {
    if (seen[step] === undefined) seen[step] = Date.now() - from;
  };
  let last: any = null;
  while (Date.now() < deadline) {
    const response = await admin(config, base, 'GET', `/admin/trace?instance=${encodeURIComponent(instance)}&eventId=${encodeURIComponent(eventId)}`);
    const trace = response.body?.traces?.[0];
    if (trace) {
      last = trace;
      if (trace.inbound?.length) mark('claim');
      if (trace.jobs?.length) mark('job');
      if (trace.events?.some((e: { type: string }) => e.type.startsWith('assistant'))) mark('executor');
      const job = trace.jobs?.[0];
      if (job && ['completed', 'failed', 'dead'].includes(job.status)) mark('job.finished');
      const deliveries = (trace.deliveries ?? []) as { status: string; purpose: string }[];
      if (deliveries.some((d) => d.status === 'sent')) mark('delivery');
      if (seen.delivery !== undefined && seen['job.finished'] !== undefined) break;
      if (deliveries.some((d) => d.status === 'dead') || job?.status === 'dead' || job?.status === 'failed') break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const job = last?.jobs?.[0];
  const delivery = (last?.deliveries ?? [])[0];
  const step = (name: string, ok: boolean, detail: string): Step => ({ step: name, status: seen[name] !== undefined && ok ? 'ok' : 'failed', ms: seen[name] ?? null, detail });
  return [
    step('claim', true, last ? `trace ${last.traceId}` : 'the gateway recorded no claim for the message'),
    step('job', true, job ? `job ${job.jobId}` : 'no job was enqueued (was the prompt denied? see `trace`)'),
    step('executor', true, seen.executor !== undefined ? 'first assistant event' : 'no assistant event'),
    step('job.finished', job?.status === 'completed', job ? `job ${job.status}${job.lastError ? `: ${job.lastError}` : ''}` : 'no job'),
    step('delivery', true, delivery ? `reply ${delivery.status}${delivery.lastError ? `: ${delivery.lastError}` : ''}` : 'no reply delivery'),
  ];
}

async function admin(config: LoadedConfig, base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...adminHeaders(config), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const at = Date.now();
  const value = await run();
  return { value, ms: Date.now() - at };
}

function finish(steps: Step[], json: boolean | undefined, config: LoadedConfig): CommandResult {
  const ok = steps.every((s) => s.status === 'ok') && steps.some((s) => s.step === 'delivery');
  const text = json
    ? JSON.stringify({ ok, steps }, null, 2) + '\n'
    : table(['STEP', 'STATUS', 'MS', 'DETAIL'], steps.map((s) => [s.step, s.status, s.ms === null ? '-' : String(s.ms), s.detail])) + `\nsmoke: ${ok ? 'ok' : 'failed'}\n`;
  return { exitCode: ok ? EXIT.ok : EXIT.failed, stdout: scrubSecrets(text, config) };
}
