import { redactValue, requireOperatorPart, silentLogger, type LoadedConfig, type TraceReport } from '@cowork-gateway/core';
import { assembleStore } from '../preset.js';
import { providerSelections } from '../selections.js';
import { adminHeaders, CliArgsInvalid, configFrom, EXIT, gatewayUrl, scrubSecrets, tryFetchJson, type CommandResult } from './shared.js';

export interface TraceArgs {
  provider?: string;
  json?: boolean;
  url?: string;
  config?: string;
  store?: string;
}

/**
 * `trace <trace id | provider message id>`: one message's whole path — inbound claim,
 * authorization and other audit, job, executor events, each delivery with its chunks, status
 * and error. The id is tried as a trace id, then as a provider event id on `--provider` (or on
 * every configured provider). A durable store is read directly; the memory store through the
 * running gateway's admin API. Exit 1 when nothing matches.
 */
export async function runTrace(id: string, args: TraceArgs): Promise<CommandResult> {
  if (!id || id.length > 512) throw new CliArgsInvalid({ command: 'trace', reason: 'give one trace id or provider message id (at most 512 characters)' });
  const config = configFrom({ CONFIG: args.config, STORE: args.store });
  const instances = args.provider ? [args.provider] : providerSelections(config).map((p) => p.id);
  const reports = await findReports(config, id, instances, args.url);
  if (reports.length === 0) {
    return { exitCode: EXIT.failed, stdout: `trace: nothing recorded for "${id}" as a trace id or as a message id on ${instances.join(', ') || 'any provider'}\n` };
  }
  const safe = redactValue(reports) as TraceReport[];
  const text = args.json ? JSON.stringify({ ok: true, traces: safe }, null, 2) + '\n' : safe.map(render).join('\n');
  return { exitCode: EXIT.ok, stdout: scrubSecrets(text, config) };
}

const hasAnything = (r: TraceReport): boolean => r.inbound.length + r.jobs.length + r.events.length + r.deliveries.length + r.audit.length > 0;

async function findReports(config: LoadedConfig, id: string, instances: string[], url: string | undefined): Promise<TraceReport[]> {
  const store = await assembleStore(config, silentLogger);
  if (!store.capabilities.durable) return viaGateway(config, id, instances, url);
  await store.start();
  try {
    const tracer = requireOperatorPart(store, 'trace');
    const direct = await tracer.trace(id);
    if (hasAnything(direct)) return [direct];
    const lists = requireOperatorPart(store, 'lists');
    const traceIds = new Set<string>();
    for (const instance of instances) for (const claim of await lists.inbound.findByEventId(instance, id)) traceIds.add(claim.traceId);
    return await Promise.all([...traceIds].map((t) => tracer.trace(t)));
  } finally {
    await store.close();
  }
}

async function viaGateway(config: LoadedConfig, id: string, instances: string[], explicit: string | undefined): Promise<TraceReport[]> {
  const base = gatewayUrl(config, explicit);
  if (!config.isSet('ADMIN_TOKEN')) throw new CliArgsInvalid({ command: 'trace', reason: `the memory store lives in the running gateway; set ${config.envName('ADMIN_TOKEN')} so its admin API at ${base} can be asked` });
  const queries = [`traceId=${encodeURIComponent(id)}`, ...instances.map((i) => `instance=${encodeURIComponent(i)}&eventId=${encodeURIComponent(id)}`)];
  for (const query of queries) {
    const response = await tryFetchJson(`${base}/admin/trace?${query}`, adminHeaders(config));
    if (!response) throw new CliArgsInvalid({ command: 'trace', reason: `no gateway answers at ${base}; start it or pass --url` });
    if (response.status !== 200) throw new CliArgsInvalid({ command: 'trace', reason: `the gateway answered HTTP ${response.status}: ${response.body?.error?.code ?? ''}` });
    const found = (response.body.traces as TraceReport[]).filter(hasAnything);
    if (found.length > 0) return found;
  }
  return [];
}

function render(report: TraceReport): string {
  const lines = [`trace ${report.traceId}`];
  for (const c of report.inbound as any[]) lines.push(`  inbound   ${c.instance} event ${c.eventId}: ${c.status}  ${iso(c.createdAt)}`);
  const timeline = [
    ...(report.audit as any[]).map((a) => ({ at: iso(a.createdAt), text: `audit     ${a.type} by ${a.actor}${summary(a.metadata)}` })),
    ...(report.jobs as any[]).map((j) => ({ at: iso(j.createdAt), text: `job       ${j.jobId} ${j.kind}: ${j.status}, attempts ${j.attempts}/${j.maxAttempts}${j.lastError ? `, error: ${j.lastError}` : ''}` })),
    ...(report.events as any[]).map((e) => ({ at: iso(e.createdAt), text: `event     #${e.seq} ${e.type}${summary(e.payload)}` })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  for (const item of timeline) lines.push(`  ${item.text}  ${item.at}`);
  for (const d of report.deliveries as any[]) {
    lines.push(`  delivery  ${d.deliveryId} to ${d.instance} (${d.purpose}): ${d.status}, ${d.chunksSent}/${d.chunks?.length ?? '?'} chunk(s) sent, attempts ${d.attempts}/${d.maxAttempts}${d.lastError ? `, error: ${d.lastError}` : ''}${d.deadReason ? `, dead: ${d.deadReason}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}

function summary(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  const text = JSON.stringify(value);
  return text === '{}' ? '' : ` ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
}
