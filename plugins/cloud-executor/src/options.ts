import * as v from 'valibot';
import { secret, token } from '@cowork-gateway/core';

const channel = v.strictObject({
  instance: v.pipe(v.string(), v.minLength(1), v.description('Provider instance id, e.g. "telegram".')),
  provider: v.optional(v.pipe(v.string(), v.minLength(1), v.description('Provider kind as Cloud knows it; default: the instance id.'))),
  channelBindingId: v.pipe(v.string(), v.minLength(1), v.description('The Cloud channel binding this instance serves.')),
  workspaceId: v.optional(v.nullable(v.pipe(v.string(), v.description('externalWorkspaceId of the binding (Slack team, email domain); null for Telegram.')))),
});

/** How to reach Cloud and which channel bindings this gateway serves; shared by the store and the executor. */
export const cloudConnectionOptions = v.strictObject({
  baseUrl: v.pipe(v.string(), v.url(), v.description('Cloud base URL (OPEN_COWORK_CLOUD_BASE_URL); https unless loopback.')),
  serviceToken: v.pipe(
    v.string(),
    v.regex(/^occ_tok_[A-Za-z0-9_-]+_[A-Za-z0-9_-]+$/, 'a Cloud API token looks like occ_<tokenId>_<secret>'),
    secret(),
    v.description('Gateway-scoped Cloud API token (OPEN_COWORK_GATEWAY_SERVICE_TOKEN). Secret: never logged.'),
  ),
  instanceId: v.optional(v.pipe(v.string(), v.minLength(1), v.description('This gateway\'s id; claims are made as "gateway:<instanceId>". Default "gateway".')), 'gateway'),
  channels: v.optional(v.pipe(v.array(channel), v.description('Provider instance → Cloud channel binding routes.')), []),
  requestTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000), v.description('Per-request timeout. Default 30000.')), 30_000),
  maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10), v.description('Attempts per Cloud request on 429/5xx/network. Default 4.')), 4),
  claimTtlMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3_600_000), v.description('Lease of an inbound provider-event claim. Default 300000.')), 300_000),
});

export type CloudConnectionOptions = v.InferOutput<typeof cloudConnectionOptions>;
export type CloudConnectionInput = v.InferInput<typeof cloudConnectionOptions>;

/** Options of the Cloud executor plugin (the connection comes from the Cloud store). */
export const cloudExecutorOptions = v.strictObject({
  defaultAgent: v.optional(v.nullable(v.pipe(v.string(), v.description('Agent named in prompts; null lets Cloud choose ("build").'))), null),
  renderAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20), v.description('Tries per session event before it is skipped as poison. Default 5.')), 5),
  reconnectBaseMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('First session-stream reconnect delay (full jitter, doubling). Default 250.')), 250),
  reconnectCapMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('Largest reconnect delay. Default 30000.')), 30_000),
});

export type CloudExecutorOptions = v.InferOutput<typeof cloudExecutorOptions>;

export const CLOUD_CONNECTION_OPTIONS = token<CloudConnectionOptions>('cloud.connection');
export const CLOUD_EXECUTOR_OPTIONS = token<CloudExecutorOptions>('cloud.executor.options');
