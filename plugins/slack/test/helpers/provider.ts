import { rootContainer as root, instantiatePlugin, PROVIDER, resolve, silentLogger, type Clock, type InboundEvent, type Logger, type Provider, type ProviderContext } from '@cowork-gateway/core';
import slackPlugin from '../../src/index.js';
import type { FakeSlack } from '../../src/testing/index.js';
import { providerOptions } from './fixtures.js';

/** A Slack provider for `fake`, created the way the kernel creates one (not started). */
export function createProvider(fake: FakeSlack, extra: Record<string, unknown> = {}, logger: Logger = silentLogger, id = 'slack', clock?: Clock): Provider {
  const instance = instantiatePlugin({
    plugin: slackPlugin,
    use: slackPlugin.name,
    key: 'providers[0]',
    expectedKind: 'provider',
    instanceId: id,
    rawOptions: providerOptions(fake, extra),
    parent: root.createChildContainer(),
    logger,
    ...(clock ? { clock } : {}),
  });
  return resolve(instance.container, PROVIDER);
}

/** A provider context that records what was ingested. */
export function recordingContext(): ProviderContext & { ingested: InboundEvent[]; shutdown: AbortController; progress: number } {
  const shutdown = new AbortController();
  const ingested: InboundEvent[] = [];
  const ctx = {
    progress: 0,
    ingested,
    shutdown,
    logger: silentLogger,
    signal: shutdown.signal,
    ingest: async (event: InboundEvent) => {
      ingested.push(event);
      return { accepted: true, duplicate: false };
    },
    reportInboundProgress: () => {
      ctx.progress += 1;
    },
    cursor: { load: async () => undefined, save: async () => undefined },
  };
  return ctx;
}
