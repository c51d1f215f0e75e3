import * as v from 'valibot';
import { deliveryUrlCheck, signedWebhookOptionEntries, token, type PluginSetting, type SignedWebhookProfile } from '@cowork-gateway/core';

/** The platforms a bridge can stand for; `generic` is any other custom channel. */
export const BRIDGE_PLATFORMS = ['discord', 'whatsapp', 'signal', 'generic'] as const;
export type BridgePlatform = (typeof BRIDGE_PLATFORMS)[number];

/**
 * Kind and capabilities per platform (the reference's bridge capability sets, §2.1): the kind is
 * sent as `providerKind` and is the inbound events' provider; `generic` is kind `bridge`.
 */
export const BRIDGE_PROFILES: Readonly<Record<BridgePlatform, SignedWebhookProfile>> = Object.freeze({
  discord: { kind: 'discord', capabilities: { maxTextLength: 2000, threads: true, buttons: true, markdownDialect: 'markdown' } },
  whatsapp: { kind: 'whatsapp', capabilities: { maxTextLength: 4096, threads: false, buttons: true, markdownDialect: 'plain' } },
  signal: { kind: 'signal', capabilities: { maxTextLength: 4096, threads: false, buttons: false, markdownDialect: 'plain' } },
  generic: { kind: 'bridge', capabilities: { maxTextLength: 4096, threads: true, buttons: true, markdownDialect: 'plain' } },
});

/**
 * Options of one bridge instance: the platform it relays, its own shared secret, delivery URL,
 * allowlist and private-delivery opt-in. Any number of bridges run side by side, one provider
 * instance each.
 */
const bridgeObject = v.strictObject({
    platform: v.optional(v.pipe(v.picklist(BRIDGE_PLATFORMS), v.description('Which channel the relay bridges: discord, whatsapp, signal, or generic (kind "bridge"). Default "generic".')), 'generic'),
    ...signedWebhookOptionEntries(),
    maxTextLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(1_000_000), v.description('Longest text of one delivery; default: the platform\'s (Discord 2000, others 4096).'))),
});

export const bridgeOptions = v.pipe(bridgeObject, deliveryUrlCheck<v.InferOutput<typeof bridgeObject>>());

/** Parsed options of one bridge. */
export type BridgeOptions = v.InferOutput<typeof bridgeOptions>;

/** Injection token of the parsed {@link BridgeOptions}. */
export const BRIDGE_OPTIONS = token<BridgeOptions>('bridge.options');

/**
 * The bridges a host can turn on from env, each under its own upper-case name: `<NAME>_DELIVERY_URL`,
 * `<NAME>_SHARED_SECRET`, … (seed 001's `OPEN_COWORK_GATEWAY_<BRIDGE>_*` as fallbacks). Any other
 * named bridge is a `providers[]` entry of the config file.
 */
export const BRIDGE_ENV_NAMES = ['discord', 'whatsapp', 'signal'] as const;
export type BridgeEnvName = (typeof BRIDGE_ENV_NAMES)[number];

/** The flat settings of the env bridge `name` (`DISCORD_SHARED_SECRET`, …). */
export function bridgeSettings(name: BridgeEnvName): readonly PluginSetting[] {
  const N = name.toUpperCase();
  const alias = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${N}_${key}`];
  const label = name === 'whatsapp' ? 'WhatsApp' : name[0]!.toUpperCase() + name.slice(1);
  return [
    { key: `${N}_DELIVERY_URL`, option: 'deliveryUrl', type: 'url', envAliases: alias('DELIVERY_URL'), description: `Where the ${label} bridge's replies are POSTed (https; http only for localhost); setting it or ${N}_SHARED_SECRET enables the bridge, both are required.` },
    { key: `${N}_SHARED_SECRET`, option: 'sharedSecret', type: 'string', secret: true, envAliases: alias('SHARED_SECRET'), description: `Shared secret of the ${label} bridge (HMAC v1, both directions, at least 8 characters).` },
    { key: `${N}_PROVIDER_ID`, type: 'string', default: name, description: `Instance id of the ${label} bridge: its inbound path is /webhooks/<id>.` },
    { key: `${N}_WORKSPACE_ID`, option: 'workspaceId', type: 'string', envAliases: alias('WORKSPACE_ID'), description: `Workspace (guild) id set on every ${label} event; identities must then carry it.` },
    { key: `${N}_DELIVERY_ALLOWED_HOSTS`, option: 'allowedHosts', type: 'list', envAliases: alias('DELIVERY_ALLOWED_HOSTS'), description: `Comma-separated hosts the ${label} bridge may deliver to: exact names or *.example.com.` },
    { key: `${N}_ALLOW_PRIVATE_DELIVERY`, option: 'allowPrivateDelivery', type: 'boolean', envAliases: alias('ALLOW_PRIVATE_DELIVERY'), description: `Allow ${label} bridge delivery to private, reserved and loopback addresses; cloud metadata stays blocked.` },
    { key: `${N}_ALLOW_LOOPBACK_DELIVERY`, option: 'allowLoopbackDelivery', type: 'boolean', envAliases: alias('ALLOW_LOOPBACK_DELIVERY'), description: `Development only: allow ${label} bridge delivery to loopback addresses.` },
    { key: `${N}_MAX_ATTACHMENT_BYTES`, option: 'maxAttachmentBytes', type: 'integer', min: 1, max: 104_857_600, envAliases: alias('MAX_ATTACHMENT_BYTES'), description: `Largest inbound ${label} attachment, in bytes (default 10485760).` },
  ];
}
