import * as v from 'valibot';
import { deliveryUrlCheck, signedWebhookOptionEntries, token, type PluginSetting } from '@cowork-gateway/core';

/**
 * Options of `@cowork-gateway/webhook`: the shared secret and delivery URL are required, the rest
 * is the shared signed-webhook policy (allowlist, private-delivery opt-in, limits).
 */
const webhookObject = v.strictObject({
    ...signedWebhookOptionEntries(),
    maxTextLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(1_000_000), v.description('Longest text of one delivery; longer replies are split. Default 4096.')), 4096),
});

export const webhookOptions = v.pipe(webhookObject, deliveryUrlCheck<v.InferOutput<typeof webhookObject>>());

/** Parsed options of the webhook provider. */
export type WebhookOptions = v.InferOutput<typeof webhookOptions>;

/** Injection token of the parsed {@link WebhookOptions}. */
export const WEBHOOK_OPTIONS = token<WebhookOptions>('webhook.options');

/** Seed 001's names (the Cloud Channel Gateway), read when the host-prefixed key is unset. */
const channelGateway = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${key}`];

/**
 * The flat settings (seed 000 and seed 001 names) that fill these options when a host selects
 * the webhook provider from env. Setting the secret or the delivery URL enables it; both are
 * required.
 */
export const webhookSettings: readonly PluginSetting[] = [
  { key: 'WEBHOOK_SHARED_SECRET', option: 'sharedSecret', type: 'string', secret: true, envAliases: channelGateway('WEBHOOK_SHARED_SECRET'), description: 'Shared secret of the signed webhook provider (HMAC v1, both directions, at least 8 characters); setting it or WEBHOOK_DELIVERY_URL enables the provider, both are required.' },
  { key: 'WEBHOOK_DELIVERY_URL', option: 'deliveryUrl', type: 'url', envAliases: channelGateway('WEBHOOK_DELIVERY_URL'), description: 'Where the webhook provider POSTs replies: https (http only for localhost), no credentials in the URL.' },
  { key: 'WEBHOOK_PROVIDER_ID', type: 'string', default: 'webhook', description: 'Instance id of the webhook provider: its inbound path is /webhooks/<id> and identities use it as provider.' },
  { key: 'WEBHOOK_DELIVERY_ALLOWED_HOSTS', option: 'allowedHosts', type: 'list', envAliases: channelGateway('WEBHOOK_DELIVERY_ALLOWED_HOSTS'), description: 'Comma-separated hosts the webhook provider may deliver to: exact names or *.example.com for subdomains.' },
  { key: 'WEBHOOK_ALLOW_PRIVATE_DELIVERY', option: 'allowPrivateDelivery', type: 'boolean', envAliases: channelGateway('WEBHOOK_ALLOW_PRIVATE_DELIVERY'), description: 'Allow webhook delivery to private, reserved and loopback addresses (an internal bridge); cloud metadata stays blocked.' },
  { key: 'WEBHOOK_ALLOW_LOOPBACK_DELIVERY', option: 'allowLoopbackDelivery', type: 'boolean', envAliases: channelGateway('WEBHOOK_ALLOW_LOOPBACK_DELIVERY'), description: 'Development only: allow webhook delivery to loopback addresses (http://127.0.0.1:…).' },
  { key: 'WEBHOOK_MAX_ATTACHMENT_BYTES', option: 'maxAttachmentBytes', type: 'integer', min: 1, max: 104_857_600, envAliases: channelGateway('WEBHOOK_MAX_ATTACHMENT_BYTES'), description: 'Largest inbound webhook attachment, declared or inline, in bytes (default 10485760).' },
  { key: 'WEBHOOK_DELIVERY_TIMEOUT_MS', option: 'deliveryTimeoutMs', type: 'integer', min: 100, max: 120_000, envAliases: channelGateway('WEBHOOK_DELIVERY_TIMEOUT_MS'), description: 'Time for DNS, connect and response of one webhook delivery attempt, in ms (default 15000).' },
];
