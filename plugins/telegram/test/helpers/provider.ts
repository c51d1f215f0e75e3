import * as v from 'valibot';
import { silentLogger, type InboundEvent, type Logger, type ProviderContext, type ProviderCursor } from '@cowork-gateway/core';
import { TelegramProvider } from '../../src/telegram-provider.js';
import { telegramOptions } from '../../src/options.js';
import type { FakeTelegram } from '../../src/testing/index.js';
import { TOKEN } from './fixtures.js';

/** A cursor kept in a variable, like the Store keeps it across provider restarts. */
export class MemoryCursor implements ProviderCursor {
  value: string | undefined;
  saves = 0;
  async load(): Promise<string | undefined> {
    return this.value;
  }
  async save(value: string): Promise<void> {
    this.saves += 1;
    this.value = value;
  }
}

/** A started provider with the context it was given and what it ingested. */
export interface Harness {
  provider: TelegramProvider;
  ingested: InboundEvent[];
  progress: { count: number };
  cursor: MemoryCursor;
  shutdown: AbortController;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  options?: Record<string, unknown>;
  logger?: Logger;
  cursor?: MemoryCursor;
  /** Replaces the default ingest (which records the event and accepts it). */
  ingest?: (event: InboundEvent) => Promise<{ accepted: boolean; duplicate: boolean }>;
  instance?: string;
}

/** Creates a provider for `fake` (polling, 1 s long polls unless overridden) without starting it. */
export function createProvider(fake: FakeTelegram, options: Record<string, unknown> = {}, logger: Logger = silentLogger, instance = 'tg'): TelegramProvider {
  const parsed = v.parse(telegramOptions, { token: TOKEN, apiRoot: fake.url, pollTimeoutSeconds: 1, ...options });
  return new TelegramProvider(parsed, { id: instance, plugin: '@cowork-gateway/telegram', kind: 'provider' }, logger);
}

export async function startProvider(fake: FakeTelegram, harness: HarnessOptions = {}): Promise<Harness> {
  const logger = harness.logger ?? silentLogger;
  const provider = createProvider(fake, harness.options, logger, harness.instance);
  const ingested: InboundEvent[] = [];
  const progress = { count: 0 };
  const cursor = harness.cursor ?? new MemoryCursor();
  const shutdown = new AbortController();
  const ctx: ProviderContext = {
    logger,
    ingest: async (event) => {
      if (harness.ingest) return harness.ingest(event);
      ingested.push(event);
      return { accepted: true, duplicate: false };
    },
    reportInboundProgress: () => void (progress.count += 1),
    cursor,
    signal: shutdown.signal,
  };
  await provider.start(ctx);
  return { provider, ingested, progress, cursor, shutdown, stop: () => provider.stop({ drain: true }) };
}
