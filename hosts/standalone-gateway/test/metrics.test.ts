import { expect } from 'chai';
import { GatewayMetrics, loadConfig, metricsNamingFor, silentLogger } from '@cowork-gateway/core';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { eventually, postJson, PREFIX } from './helpers/host-process.js';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX, startGateway, type RunningGateway } from '../src/index.js';
import { startMemoryTestKernel } from './helpers/memory-kernel.js';

const ADMIN = 'metrics-admin-token-0123456789';
const P = 'open_cowork_standalone_gateway';

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}


/** The real gateway (`startGateway`, the CLI's `start` path) in this process, on an ephemeral loopback port. */
async function startInProcess(config: Record<string, unknown>): Promise<RunningGateway> {
  const loaded = loadConfig({
    prefix: STANDALONE_PREFIX,
    specs: ALL_STANDALONE_SETTINGS,
    env: {
      [`${PREFIX}STORE`]: 'memory',
      [`${PREFIX}PORT`]: '0',
      [`${PREFIX}OPENCODE_MANAGED`]: 'false',
      [`${PREFIX}CONFIG_JSON`]: JSON.stringify(config),
    },
  });
  return startGateway(loaded, { logger: silentLogger });
}

describe('/metrics (the gateway in process, fake provider and executor)', function () {
  this.timeout(60_000);
  let channel: FakeChannel;
  let host: RunningGateway;
  let webhook: string;
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    return res.text();
  };

  before(async () => {
    channel = await FakeChannel.start();
    host = await startInProcess({
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: 20,
      [`${PREFIX}DELIVERY_BACKOFF_MAX_MS`]: 50,
      [`${PREFIX}CIRCUIT_FAILURE_THRESHOLD`]: 50,
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake-main', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake-main', externalUserId: 'alice-7731', role: 'member' }],
    });
    webhook = `${host.url}/webhooks/fake-main`;
  });

  after(async () => {
    await host.stop();
    await channel.close();
  });

  it('answers 401 without the admin token, with a wrong one and with a forwarded header only', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-000000000000' }, { 'x-forwarded-for': '127.0.0.1', authorization: 'Basic eDp5' }];
    for (const headers of attempts) {
      const res = await fetch(`${host.url}/metrics`, { headers });
      expect(res.status).to.equal(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('admin.unauthorized');
    }
  });

  it('declares the stack and zero series before any traffic', async () => {
    const text = await scrape();
    expect(series(text, 'open_cowork_channel_stack_info', { schema_version: '2', stack: 'monorepo-provider', surface: 'standalone-gateway' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_messages_total', { direction: 'inbound', outcome: 'success', provider_kind: 'fake' })).to.equal(0);
    expect(series(text, 'open_cowork_channel_bindings', { provider_kind: 'fake', status: 'configured' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_bindings', { provider_kind: 'fake', status: 'active' })).to.equal(1);
    expect(series(text, `${P}_delivery_circuits`, { provider_kind: 'fake', state: 'closed' })).to.equal(1);
    expect(series(text, `${P}_store_operator_parts`, { part: 'prune' })).to.equal(1);
    expect(series(text, `${P}_retention_lease_held`)).to.equal(1);
  });

  it('counts a prompt end to end: request, inbound, job, executor latency, delivery, snapshot gauges', async () => {
    expect((await postJson(webhook, { id: 'm-1', chatId: 'chat-9911', userId: 'alice-7731', text: 'hello metrics' })).status).to.equal(202);
    await channel.waitFor(() => channel.messagesFor('chat-9911').length >= 1);
    const text = await eventually(async () => {
      const t = await scrape();
      return series(t, `${P}_deliveries_sent_total`, { provider_kind: 'fake' }) === 1 ? t : null;
    });
    expect(series(text, `${P}_http_requests_total`, { route: '/webhooks/:instance', method: 'POST', status: '202' })).to.equal(1);
    expect(series(text, `${P}_incoming_messages_total`, { provider_kind: 'fake', outcome: 'enqueued' })).to.equal(1);
    expect(series(text, `${P}_prompts_total`, { outcome: 'completed' })).to.equal(1);
    expect(series(text, `${P}_job_runs_total`, { kind: 'prompt', outcome: 'completed' })).to.equal(1);
    expect(series(text, `${P}_executor_prompt_latency_ms_count`, { outcome: 'ok' })).to.equal(1);
    expect(series(text, `${P}_executor_run_duration_ms_count`, { outcome: 'completed' })).to.equal(1);
    expect(series(text, `${P}_delivery_latency_ms_count`, { provider_kind: 'fake' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_messages_total', { direction: 'inbound', outcome: 'success', provider_kind: 'fake' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_messages_total', { direction: 'outbound', outcome: 'success', provider_kind: 'fake' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_operation_latency_ms_count', { direction: 'inbound', outcome: 'success', provider_kind: 'fake' })).to.equal(1);
    expect(series(text, 'open_cowork_channel_operation_latency_ms_count', { direction: 'inbound', outcome: 'attempt' }), 'no latency for attempts').to.equal(undefined);
    expect(series(text, `${P}_sessions`)).to.equal(1);
    expect(series(text, `${P}_sessions_by_status`, { status: 'idle' })).to.equal(1);
    expect(series(text, `${P}_jobs`)).to.equal(1);
    expect(series(text, `${P}_jobs_by_status`, { status: 'completed' })).to.equal(1);
    expect(series(text, `${P}_audit_events`)).to.be.greaterThan(0);
    expect(series(text, `${P}_queue_depth`, { queue: 'jobs' })).to.equal(0);
    expect(series(text, `${P}_deliveries_by_status`, { status: 'sent' })).to.equal(1);
  });

  it('counts a denied sender, a retried and a dead-lettered delivery', async () => {
    await postJson(webhook, { id: 'm-deny', chatId: 'chat-x', userId: 'mallory-4242', text: 'let me in' });
    channel.failNext({ status: 503, count: 1 });
    await postJson(webhook, { id: 'm-2', chatId: 'chat-9912', userId: 'alice-7731', text: 'retry me' });
    await channel.waitFor(() => channel.messagesFor('chat-9912').length >= 1);
    channel.failNext({ status: 400, count: 1 });
    await postJson(webhook, { id: 'm-3', chatId: 'chat-9913', userId: 'alice-7731', text: 'dead letter me' });
    const text = await eventually(async () => {
      const t = await scrape();
      return series(t, `${P}_delivery_dead_letters_total`, { provider_kind: 'fake', reason: 'permanent' }) === 1 ? t : null;
    });
    expect(series(text, `${P}_incoming_messages_total`, { provider_kind: 'fake', outcome: 'denied' })).to.equal(1);
    expect(series(text, `${P}_delivery_retries_total`, { provider_kind: 'fake', reason: 'transient' })).to.be.at.least(1);
    expect(series(text, 'open_cowork_channel_messages_total', { direction: 'outbound', outcome: 'retry', provider_kind: 'fake' })).to.be.at.least(1);
    expect(series(text, 'open_cowork_channel_messages_total', { direction: 'outbound', outcome: 'error', provider_kind: 'fake' })).to.equal(1);
    expect(series(text, `${P}_deliveries_by_status`, { status: 'dead' })).to.equal(1);
  });

  it('never puts ids, users, chats, text or the admin token in the output', async () => {
    const text = await scrape();
    for (const needle of ['fake-main', 'alice-7731', 'mallory-4242', 'chat-99', 'hello metrics', ADMIN]) expect(text).not.to.contain(needle);
  });
});

describe('GatewayMetrics', () => {
  it('keeps two kernels in one process apart (a registry each)', async () => {
    const a = await startMemoryTestKernel();
    const b = await startMemoryTestKernel();
    try {
      expect(a.kernel.metrics.registry).not.to.equal(b.kernel.metrics.registry);
      a.kernel.metrics.job('prompt', 'completed');
      const aText = await a.kernel.metrics.registry.metrics();
      const bText = await b.kernel.metrics.registry.metrics();
      expect(series(aText, `${P}_job_runs_total`, { kind: 'prompt', outcome: 'completed' })).to.equal(1);
      expect(series(bText, `${P}_job_runs_total`, { kind: 'prompt', outcome: 'completed' })).to.equal(undefined);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('derives names from the audit prefix and bounds provider kinds and reasons', async () => {
    expect(metricsNamingFor('standalone')).to.deep.equal({ prefix: P, surface: 'standalone-gateway' });
    const metrics = new GatewayMetrics({ prefix: 'x_gw', surface: 'test', stack: 'durable-native' });
    metrics.declareProviders(['Bad Kind!']);
    metrics.deliveryDeadLetter('telegram', 'weird reason with spaces');
    metrics.retention({ sessionsDeleted: 2, inboundClaimsDeleted: 1 }, new Date(5_000));
    metrics.retention('skipped', new Date());
    metrics.retention('error', new Date());
    const text = await metrics.render({ sessions: null, jobsByStatus: null, deliveriesByStatus: null, auditEvents: null, providers: [], retentionLeaseHeld: false }, { lists: false });
    expect(series(text, 'open_cowork_channel_bindings', { provider_kind: 'other', status: 'configured', stack: 'durable-native' })).to.equal(0);
    expect(series(text, 'x_gw_delivery_dead_letters_total', { provider_kind: 'telegram', reason: 'other' })).to.equal(1);
    expect(series(text, 'x_gw_retention_deleted_total', { table: 'sessions' })).to.equal(2);
    expect(series(text, 'x_gw_retention_deleted_total', { table: 'inbound_claims' })).to.equal(1);
    expect(series(text, 'x_gw_retention_runs_total', { outcome: 'skipped' })).to.equal(1);
    expect(series(text, 'x_gw_retention_runs_total', { outcome: 'error' })).to.equal(1);
    expect(series(text, 'x_gw_retention_last_run_timestamp_seconds')).to.equal(5);
    expect(series(text, 'x_gw_store_operator_parts', { part: 'lists' })).to.equal(0);
  });
});
