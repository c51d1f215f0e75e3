import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';
import { defineError, isGatewayError, type HttpRequest, type HttpResponse, type HttpRoute, type Kernel, type LoadedConfig } from '@cowork-gateway/core';
import { CLOUD_COUNTERS, isCloudError, type CloudChannel, type CloudCounter, type CloudDeliveries } from '@cowork-gateway/cloud-executor';
import { isLoopbackHost, loopbackBypassAllowed } from './safety.js';

export const OperatorUnauthorized = defineError<void>({
  code: 'operator.unauthorized',
  status: 401,
  message: () => 'operator.unauthorized: the operator endpoints need the admin token (Authorization: Bearer <token> or x-open-cowork-gateway-admin-token)',
});

export const OperatorDisabled = defineError<{ key: string }>({
  code: 'operator.disabled',
  status: 404,
  message: ({ key }) => `operator.disabled: this endpoint is turned off (${key}=false)`,
});

export const OperatorBindingUnknown = defineError<{ channelBindingId: string }>({
  code: 'operator.binding_unknown',
  status: 404,
  message: ({ channelBindingId }) => `operator.binding_unknown: channel binding ${channelBindingId} is not served by this gateway (its enabled providers' channelBindingId list)`,
});

export const OperatorDeliveryUnknown = defineError<{ deliveryId: string }>({
  code: 'operator.delivery_unknown',
  status: 404,
  message: ({ deliveryId }) => `operator.delivery_unknown: delivery ${deliveryId} is not among this gateway's channel bindings, or was last claimed by another gateway token`,
});

export const OperatorQueryInvalid = defineError<{ reason: string }>({
  code: 'operator.query_invalid',
  status: 400,
  message: ({ reason }) => `operator.query_invalid: ${reason}`,
});

const ADMIN_HEADER = 'x-open-cowork-gateway-admin-token';
const FORWARDED_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto'];
const DELIVERY_STATUSES = new Set(['pending', 'claimed', 'sent', 'failed', 'dead']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time check of the admin token from `Authorization: Bearer` or the gateway header. */
export function operatorTokenMatches(headers: HttpRequest['headers'], token: string | undefined): boolean {
  if (!token) return false;
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer +(\S+) *$/i.exec(auth)?.[1] : undefined;
  const header = headers[ADMIN_HEADER];
  const presented = bearer ?? (typeof header === 'string' ? header : undefined);
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(token));
}

/** The Prometheus registry of this host: Cloud counters plus subscription and provider gauges. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly counters = new Map<CloudCounter, Counter>();

  constructor(channel: CloudChannel, state: () => { subscriptionUp: boolean; providersUp: Record<string, boolean>; ready: boolean }) {
    for (const [key, name] of Object.entries(CLOUD_COUNTERS) as [CloudCounter, string][]) {
      const counter = new Counter({ name, help: `Cloud Channel Gateway: ${key}`, registers: [this.registry] });
      counter.inc(channel.metrics.get(key));
      this.counters.set(key, counter);
    }
    channel.metrics.onIncrement((key, by) => this.counters.get(key)?.inc(by));
    new Gauge({ name: 'open_cowork_gateway_delivery_subscription_up', help: '1 while the Cloud delivery subscription is connected', registers: [this.registry], collect() { this.set(state().subscriptionUp ? 1 : 0); } });
    new Gauge({ name: 'open_cowork_gateway_ready', help: '1 when /ready answers 200', registers: [this.registry], collect() { this.set(state().ready ? 1 : 0); } });
    new Gauge({
      name: 'open_cowork_gateway_provider_up',
      help: '1 per provider that is started and healthy',
      labelNames: ['provider'],
      registers: [this.registry],
      collect() {
        for (const [provider, up] of Object.entries(state().providersUp)) this.set({ provider }, up ? 1 : 0);
      },
    });
  }
}

export interface OperatorContext {
  config: LoadedConfig;
  kernel: Kernel;
  channel: CloudChannel;
  deliveries: CloudDeliveries;
  metrics: GatewayMetrics;
  /** Whether the preset finished starting (the subscription started after the kernel). */
  started: () => boolean;
}

/** `/ready`: 200 when started, the delivery subscription is connected and a provider is healthy; degraded on an open circuit. */
export async function readiness(ctx: OperatorContext): Promise<{ ready: boolean; body: Record<string, unknown> }> {
  const report = await ctx.kernel.readiness();
  const providers = Object.entries(report.components.providers);
  const healthyProvider = providers.some(([, p]) => p.state !== 'down');
  const subscription = ctx.deliveries.healthy();
  const started = ctx.started();
  const ready = started && subscription && healthyProvider;
  const degraded = providers.some(([, p]) => p.circuit !== 'closed' || p.state === 'degraded') || report.components.executor.state === 'degraded';
  return {
    ready,
    body: {
      status: !ready ? 'down' : degraded ? 'degraded' : 'ok',
      checkedAt: report.checkedAt,
      started,
      deliverySubscription: subscription ? 'connected' : 'down',
      providers: providers.length,
      healthyProviders: providers.filter(([, p]) => p.state !== 'down').length,
    },
  };
}

/** The host's own routes: `/health`, `/metrics`, `/diagnostics`, `/deliveries` and its actions. */
export function operatorRoutes(ctx: OperatorContext): HttpRoute[] {
  const { config } = ctx;
  const adminToken = config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : undefined;
  const bypass = loopbackBypassAllowed(config);
  const guard = (handler: (req: HttpRequest) => Promise<HttpResponse>) => async (req: HttpRequest): Promise<HttpResponse> => {
    const forwarded = FORWARDED_HEADERS.some((h) => req.headers[h] !== undefined);
    const loopbackBypass = bypass && isLoopbackHost(req.sourceIp) && !forwarded;
    if (!loopbackBypass && !operatorTokenMatches(req.headers, adminToken)) throw new OperatorUnauthorized();
    return handler(req);
  };
  const enabled = (key: string): void => {
    if (!config.get<boolean>(key)) throw new OperatorDisabled({ key: config.envName(key) });
  };
  const bindings = ctx.channel.channelBindingIds();
  return [
    {
      method: 'GET',
      path: '/health',
      auth: 'none',
      handle: async () => ({
        status: 200,
        body: { status: 'ok', productMode: 'cloud_channel', mode: config.get<string>('MODE'), cloudBaseUrl: ctx.channel.client.baseUrl },
      }),
    },
    {
      method: 'GET',
      path: '/metrics',
      auth: 'none',
      handle: guard(async () => {
        enabled('METRICS_ENABLED');
        // The Cloud counters and gauges (seed names) plus the kernel's own series (`open_cowork_gateway_kernel_*`).
        const registry = Registry.merge([ctx.metrics.registry, ctx.kernel.metrics.registry]);
        return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
      }),
    },
    {
      method: 'GET',
      path: '/diagnostics',
      auth: 'none',
      handle: guard(async () => {
        enabled('DIAGNOSTICS_ENABLED');
        return { status: 200, body: await diagnostics(ctx) };
      }),
    },
    {
      method: 'GET',
      path: '/deliveries',
      auth: 'none',
      handle: guard(async (req) => {
        const status = req.query.status;
        if (status !== undefined && !DELIVERY_STATUSES.has(status)) throw new OperatorQueryInvalid({ reason: `status must be one of ${[...DELIVERY_STATUSES].join(', ')}` });
        const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new OperatorQueryInvalid({ reason: 'limit must be an integer from 1 to 200' });
        const channelBindingId = req.query.channelBindingId;
        if (channelBindingId !== undefined && !bindings.includes(channelBindingId)) throw new OperatorBindingUnknown({ channelBindingId });
        const scope = channelBindingId ? [channelBindingId] : bindings;
        const lists = await Promise.all(scope.map((id) => cloud(() => ctx.channel.api.listDeliveries({ status, channelBindingId: id, limit }))));
        const deliveries = lists.flatMap((l) => l.deliveries).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
        return { status: 200, body: { deliveries, channelBindingIds: scope } };
      }),
    },
    deliveryAction(ctx, 'retry', guard, bindings),
    deliveryAction(ctx, 'dead-letter', guard, bindings),
  ];
}

function deliveryAction(ctx: OperatorContext, action: 'retry' | 'dead-letter', guard: (h: (req: HttpRequest) => Promise<HttpResponse>) => (req: HttpRequest) => Promise<HttpResponse>, bindings: string[]): HttpRoute {
  return {
    method: 'POST',
    path: `/deliveries/:id/${action}`,
    auth: 'none',
    handle: guard(async (req) => {
      const deliveryId = req.params.id!;
      const body = (req.body ?? {}) as Record<string, unknown>;
      // Resolve the delivery among the configured bindings first (shard-aware).
      const found = (await Promise.all(bindings.map((id) => cloud(() => ctx.channel.api.listDeliveries({ deliveryId, channelBindingId: id, limit: 1 })))))
        .flatMap((l) => l.deliveries)
        .find((d) => bindings.includes(d.channelBindingId));
      if (!found) throw new OperatorDeliveryUnknown({ deliveryId });
      const result = action === 'retry'
        ? await cloud(() => ctx.channel.api.retryDelivery(deliveryId, found.channelBindingId), deliveryId)
        : await cloud(() => ctx.channel.api.deadLetterDelivery(deliveryId, { channelBindingId: found.channelBindingId, ...(typeof body.lastError === 'string' ? { lastError: body.lastError.slice(0, 1024) } : {}) }), deliveryId);
      return { status: 200, body: result };
    }),
  };
}

/** Cloud's 404 becomes the operator's; its other failures keep their `cloud.*` codes. */
async function cloud<T>(call: () => Promise<T>, deliveryId?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (deliveryId && isCloudError(error, 'not_found')) throw new OperatorDeliveryUnknown({ deliveryId });
    throw error;
  }
}

/** Redacted diagnostics: settings without secrets, providers, counters, the subscription and the deliveryOperator block. */
async function diagnostics(ctx: OperatorContext): Promise<Record<string, unknown>> {
  const { config } = ctx;
  const report = await ctx.kernel.readiness();
  const bindings = ctx.channel.channelBindingIds();
  let operatorReason: string | null = bindings.length === 0 ? 'no enabled provider has a channel binding' : null;
  let listAllowed = bindings.length > 0;
  if (listAllowed) {
    try {
      await ctx.channel.api.listDeliveries({ channelBindingId: bindings[0], limit: 1 });
    } catch (error) {
      listAllowed = false;
      operatorReason = isGatewayError(error) ? error.code : 'Cloud is unreachable';
    }
  }
  return {
    productMode: 'cloud_channel',
    mode: config.get<string>('MODE'),
    instanceId: ctx.channel.claimedBy,
    cloud: { baseUrl: ctx.channel.client.baseUrl, serviceToken: config.isSet('SERVICE_TOKEN') ? '[redacted]' : null },
    http: {
      host: config.get<string>('HOST'),
      port: config.get<number>('PORT'),
      publicUrl: config.isSet('PUBLIC_URL') ? config.get<string>('PUBLIC_URL') : null,
      adminToken: config.isSet('ADMIN_TOKEN') ? '[redacted]' : null,
      loopbackOperatorBypass: loopbackBypassAllowed(config),
      trustProxyHeaders: config.get<boolean>('TRUST_PROXY_HEADERS'),
    },
    providers: Object.fromEntries(Object.entries(report.components.providers).map(([id, p]) => [id, { kind: p.kind, state: p.state, inbound: p.inbound, circuit: p.circuit, lastInboundAt: p.lastInboundAt }])),
    routes: ctx.channel.routes,
    deliverySubscription: ctx.deliveries.status(),
    metrics: ctx.channel.metrics.snapshot(),
    deliveryOperator: {
      listAllowed,
      retryAllowed: listAllowed,
      deadLetterAllowed: listAllowed,
      channelBindingIds: bindings,
      reason: operatorReason,
      scope: 'deliveries last claimed by this gateway\'s Cloud token, within its enabled channel bindings',
    },
  };
}
