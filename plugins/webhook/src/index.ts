/**
 * @packageDocumentation
 * `@cowork-gateway/webhook`: the generic signed webhook provider. Bridges POST signed JSON to
 * `/webhooks/<id>`; replies go to one delivery URL as signed JSON, through core's SSRF-safe,
 * DNS-pinned wire (`docs/webhook-wire.md`). `./testing` has a loopback fake bridge.
 */
import { webhookPlugin } from './plugin.js';

export { webhookPlugin } from './plugin.js';
export { WebhookProvider } from './webhook-provider.js';
export { webhookOptions, webhookSettings, WEBHOOK_OPTIONS, type WebhookOptions } from './options.js';

export default webhookPlugin;
